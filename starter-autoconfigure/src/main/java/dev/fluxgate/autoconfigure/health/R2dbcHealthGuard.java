package dev.fluxgate.autoconfigure.health;

import java.util.function.Function;

import dev.fluxgate.autoconfigure.doctor.R2dbcPools;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.spi.ConnectionFactory;

import org.springframework.beans.factory.ListableBeanFactory;

/**
 * Tells the R2DBC health check to skip while its pool is exhausted: acquiring would queue the check behind requests
 * (for up to the acquire timeout) and take a connection they need.
 */
final class R2dbcHealthGuard implements Function<String, String> {

	private final ListableBeanFactory beanFactory;

	R2dbcHealthGuard(ListableBeanFactory beanFactory) {
		this.beanFactory = beanFactory;
	}

	@Override
	public String apply(String connectionFactoryName) {
		Object factory = (connectionFactoryName != null && this.beanFactory.containsBean(connectionFactoryName))
				? this.beanFactory.getBean(connectionFactoryName)
				: this.beanFactory.getBeanProvider(ConnectionFactory.class).getIfUnique();
		ConnectionPool pool = R2dbcPools.unwrap(factory);
		if (pool != null && R2dbcPools.exhausted(pool)) {
			return "connection pool exhausted: every connection is in use, so the check would queue behind requests";
		}
		return null;
	}

}

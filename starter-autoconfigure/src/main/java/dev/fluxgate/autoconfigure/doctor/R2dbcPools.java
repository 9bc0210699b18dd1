package dev.fluxgate.autoconfigure.doctor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.PoolMetrics;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Wrapped;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ListableBeanFactory;

/**
 * The R2DBC connection pools of the application, read from the pools themselves (not from meters, so the doctor
 * works without a meter registry), found by unwrapping every {@link ConnectionFactory} bean.
 */
public final class R2dbcPools implements PoolSignalSource {

	static final String SIZE_PROPERTY = "spring.r2dbc.pool.max-size";

	private final ListableBeanFactory beanFactory;

	private volatile Map<String, ConnectionFactory> connectionFactories;

	R2dbcPools(ListableBeanFactory beanFactory) {
		this.beanFactory = beanFactory;
	}

	/**
	 * The pool behind a connection factory.
	 * @param connectionFactory the factory, possibly wrapped
	 * @return the pool, if the factory pools
	 */
	public static @Nullable ConnectionPool unwrap(@Nullable Object connectionFactory) {
		Object candidate = connectionFactory;
		while (candidate != null) {
			if (candidate instanceof ConnectionPool pool) {
				return pool;
			}
			candidate = (candidate instanceof Wrapped<?> wrapped) ? wrapped.unwrap() : null;
		}
		return null;
	}

	/**
	 * Whether acquiring from the pool now would wait: every connection leased and none idle.
	 * @param pool the pool
	 * @return whether it is exhausted
	 */
	public static boolean exhausted(ConnectionPool pool) {
		return pool.getMetrics()
			.map((metrics) -> metrics.acquiredSize() >= metrics.getMaxAllocatedSize() && metrics.idleSize() == 0)
			.orElse(false);
	}

	@Override
	public List<PoolSignal> pools() {
		Map<String, ConnectionFactory> factories = this.connectionFactories;
		if (factories == null) {
			factories = this.beanFactory.getBeansOfType(ConnectionFactory.class, false, false);
			this.connectionFactories = factories;
		}
		List<PoolSignal> pools = new ArrayList<>();
		factories.forEach((name, factory) -> {
			ConnectionPool pool = unwrap(factory);
			if (pool != null) {
				pool.getMetrics().ifPresent((metrics) -> pools.add(signal(name, metrics)));
			}
		});
		return pools;
	}

	private static PoolSignal signal(String name, PoolMetrics metrics) {
		return new PoolSignal("r2dbc", name, metrics.getMaxAllocatedSize(), metrics.acquiredSize(),
				metrics.idleSize(), metrics.pendingAcquireSize(), metrics.getMaxPendingAcquireSize(), SIZE_PROPERTY);
	}

}

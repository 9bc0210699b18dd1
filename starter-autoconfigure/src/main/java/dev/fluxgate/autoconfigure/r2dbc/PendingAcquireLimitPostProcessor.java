package dev.fluxgate.autoconfigure.r2dbc;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.fluxgate.autoconfigure.r2dbc.FluxgateConnectionPool.AcquireLimits;
import io.micrometer.core.instrument.MeterRegistry;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.spi.ConnectionFactory;

import org.jspecify.annotations.Nullable;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.config.DestructionAwareBeanPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.boot.r2dbc.autoconfigure.R2dbcProperties;

/**
 * Bounds the pending-acquire queue of the {@link ConnectionPool} that Boot builds from {@code spring.r2dbc.pool.*}.
 * Boot has no hook for it (it creates the pool privately), so the pool is rebuilt, before anyone has used it, from
 * the same connection factory and the same properties plus the limit. Pools the application builds itself, and
 * pools configured through an {@code r2dbc:pool:} URL, are left alone. The rebuilt pool waits
 * {@code max-acquire-time} for a busy pool only, not for a connection being opened, and answers exhaustion and an
 * unreachable database with the overload contract (see {@link FluxgateConnectionPool}). When acquire metrics are on
 * ({@code fluxgate.metrics.r2dbc-acquire.enabled}, default true) it also times every acquisition; the timers are
 * bound to the meter registry once every singleton exists. The rebuilt pool is disposed when its bean is destroyed:
 * the container would dispose only the instance Boot created, which the rebuild already disposed, and leave the
 * rebuilt pool's connections open.
 */
class PendingAcquireLimitPostProcessor
		implements DestructionAwareBeanPostProcessor, BeanFactoryAware, SmartInitializingSingleton {

	/**
	 * Where Boot builds a pool from {@code spring.r2dbc.pool.*}. Boot also returns a {@link ConnectionPool} from its
	 * generic configuration when the URL is {@code r2dbc:pool:}; that one is configured by its URL and left alone.
	 */
	private static final String BOOT_POOL_CONFIGURATION = "org.springframework.boot.r2dbc.autoconfigure."
			+ "ConnectionFactoryConfigurations$PoolConfiguration$PooledConnectionFactoryConfiguration";

	private final ObjectProvider<FluxgateR2dbcProperties> fluxgateProperties;

	private final ObjectProvider<R2dbcProperties> r2dbcProperties;

	private final ObjectProvider<MeterRegistry> meterRegistry;

	private final boolean timeAcquisitions;

	private final List<AcquireTimer> timers = new CopyOnWriteArrayList<>();

	private final Map<String, ConnectionPool> rebuilt = new ConcurrentHashMap<>();

	private @Nullable ConfigurableListableBeanFactory beanFactory;

	PendingAcquireLimitPostProcessor(ObjectProvider<FluxgateR2dbcProperties> fluxgateProperties,
			ObjectProvider<R2dbcProperties> r2dbcProperties, ObjectProvider<MeterRegistry> meterRegistry,
			boolean timeAcquisitions) {
		this.fluxgateProperties = fluxgateProperties;
		this.r2dbcProperties = r2dbcProperties;
		this.meterRegistry = meterRegistry;
		this.timeAcquisitions = timeAcquisitions;
	}

	@Override
	public void setBeanFactory(BeanFactory beanFactory) {
		this.beanFactory = (beanFactory instanceof ConfigurableListableBeanFactory listable) ? listable : null;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
		if (bean instanceof ConnectionPool pool && isBuiltByBoot(beanName)) {
			R2dbcProperties r2dbc = this.r2dbcProperties.getIfAvailable();
			FluxgateR2dbcProperties fluxgate = this.fluxgateProperties.getIfAvailable();
			if (r2dbc != null && fluxgate != null) {
				ConnectionPool replacement = rebuild(pool, beanName, r2dbc.getPool(), fluxgate.getPool());
				this.rebuilt.put(beanName, replacement);
				return replacement;
			}
		}
		return bean;
	}

	private boolean isBuiltByBoot(String beanName) {
		if (this.beanFactory == null || !this.beanFactory.containsBeanDefinition(beanName)) {
			return false;
		}
		BeanDefinition definition = this.beanFactory.getMergedBeanDefinition(beanName);
		return definition instanceof RootBeanDefinition root && root.getResolvedFactoryMethod() != null
				&& root.getResolvedFactoryMethod().getDeclaringClass().getName().equals(BOOT_POOL_CONFIGURATION);
	}

	private ConnectionPool rebuild(ConnectionPool original, String beanName, R2dbcProperties.Pool properties,
			FluxgateR2dbcProperties.Pool queue) {
		int maxPendingAcquire = queue.getMaxPendingAcquire();
		ConnectionFactory connectionFactory = original.unwrap();
		ConnectionPoolConfiguration.Builder builder = ConnectionPoolConfiguration.builder();
		PropertyMapper map = PropertyMapper.get();
		map.from(properties.getInitialSize()).to(builder::initialSize);
		map.from(properties.getMaxSize()).to(builder::maxSize);
		map.from(properties.getMinIdle()).to(builder::minIdle);
		map.from(properties.getMaxIdleTime()).to(builder::maxIdleTime);
		map.from(properties.getMaxLifeTime()).to(builder::maxLifeTime);
		map.from(properties.getMaxValidationTime()).to(builder::maxValidationTime);
		map.from(properties.getValidationQuery()).whenHasText().to(builder::validationQuery);
		map.from(properties.getValidationDepth()).to(builder::validationDepth);
		builder.customizer((pool) -> pool.maxPendingAcquire(maxPendingAcquire));
		// Never used yet, so disposing it releases no connection; subscribe rather than block the caller.
		original.disposeLater().subscribe();
		@Nullable AcquireTimer timer = null;
		if (this.timeAcquisitions) {
			timer = new AcquireTimer(beanName);
			this.timers.add(timer);
		}
		return FluxgateConnectionPool.of(builder, connectionFactory, AcquireLimits.of(properties, queue), timer);
	}

	@Override
	public boolean requiresDestruction(Object bean) {
		return bean instanceof ConnectionPool;
	}

	/** Called with the instance Boot created; dispose the one that replaced it, as Boot's bean would be. */
	@Override
	public void postProcessBeforeDestruction(Object bean, String beanName) {
		ConnectionPool pool = this.rebuilt.remove(beanName);
		if (pool != null) {
			pool.dispose();
		}
	}

	@Override
	public void afterSingletonsInstantiated() {
		@Nullable MeterRegistry registry = this.meterRegistry.getIfAvailable();
		if (registry != null) {
			this.timers.forEach((timer) -> timer.bindTo(registry));
		}
	}

}

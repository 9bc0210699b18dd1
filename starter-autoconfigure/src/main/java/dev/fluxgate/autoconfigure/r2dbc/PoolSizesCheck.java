package dev.fluxgate.autoconfigure.r2dbc;

import dev.fluxgate.autoconfigure.validation.InvalidPropertyException;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.r2dbc.autoconfigure.R2dbcProperties;

/**
 * Checks {@code spring.r2dbc.pool} sizes as soon as they are bound, before the pool is built: r2dbc-pool would
 * otherwise fail with a bare "maxSize must be greater than or equal to initialSize" that names no property.
 */
class PoolSizesCheck implements BeanPostProcessor {

	@Override
	public Object postProcessBeforeInitialization(Object bean, String beanName) {
		if (bean instanceof R2dbcProperties properties && properties.getPool().isEnabled()) {
			R2dbcProperties.Pool pool = properties.getPool();
			if (pool.getMaxSize() < 1) {
				throw new InvalidPropertyException("spring.r2dbc.pool.max-size", pool.getMaxSize(), "at least 1");
			}
			if (pool.getInitialSize() > pool.getMaxSize()) {
				throw new InvalidPropertyException("spring.r2dbc.pool.initial-size", pool.getInitialSize(),
						"at most spring.r2dbc.pool.max-size (" + pool.getMaxSize() + ")");
			}
			if (pool.getMinIdle() > pool.getMaxSize()) {
				throw new InvalidPropertyException("spring.r2dbc.pool.min-idle", pool.getMinIdle(),
						"at most spring.r2dbc.pool.max-size (" + pool.getMaxSize() + ")");
			}
		}
		return bean;
	}

}

package dev.fluxgate.autoconfigure.metrics;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.core.instrument.MeterRegistry;
import io.r2dbc.pool.ConnectionPool;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.Ordered;

/**
 * Wraps every {@link ConnectionPool} bean in an {@link AcquireTimingConnectionFactory}. Runs last among ordered
 * post-processors so that anything rebuilding the pool (Fluxgate's pending-acquire limit) sees the pool itself.
 * Binds the timers once every singleton exists, so the meter registry is never created early.
 */
class AcquireTimingPostProcessor implements BeanPostProcessor, SmartInitializingSingleton, Ordered {

	private final ObjectProvider<MeterRegistry> meterRegistry;

	private final List<AcquireTimingConnectionFactory> wrapped = new CopyOnWriteArrayList<>();

	AcquireTimingPostProcessor(ObjectProvider<MeterRegistry> meterRegistry) {
		this.meterRegistry = meterRegistry;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (bean instanceof ConnectionPool pool) {
			AcquireTimingConnectionFactory timed = new AcquireTimingConnectionFactory(pool, beanName);
			this.wrapped.add(timed);
			return timed;
		}
		return bean;
	}

	@Override
	public void afterSingletonsInstantiated() {
		MeterRegistry registry = this.meterRegistry.getIfUnique();
		if (registry != null) {
			this.wrapped.forEach((timed) -> timed.bindTo(registry));
		}
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

}

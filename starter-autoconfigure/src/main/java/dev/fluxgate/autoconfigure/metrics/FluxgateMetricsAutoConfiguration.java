package dev.fluxgate.autoconfigure.metrics;

import dev.fluxgate.autoconfigure.ConditionalOnFluxgateEnabled;
import io.micrometer.core.instrument.MeterRegistry;
import io.r2dbc.pool.ConnectionPool;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Meters that Boot and the libraries do not publish. Everything they do publish is reused as is: R2DBC pool gauges
 * ({@code r2dbc.pool.*}), in-flight requests ({@code http.server.requests.active}), Lettuce command latency (the
 * {@code lettuce} observation timer), Reactor Netty pool gauges (enabled by Fluxgate's dedicated pool).
 */
@AutoConfiguration
@ConditionalOnFluxgateEnabled
@ConditionalOnClass(MeterRegistry.class)
public final class FluxgateMetricsAutoConfiguration {

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(ConnectionPool.class)
	@ConditionalOnBooleanProperty(name = "fluxgate.metrics.r2dbc-acquire.enabled", matchIfMissing = true)
	static class R2dbcAcquireMetricsConfiguration {

		@Bean
		static AcquireTimingPostProcessor fluxgateR2dbcAcquireTimingPostProcessor(
				ObjectProvider<MeterRegistry> meterRegistry) {
			return new AcquireTimingPostProcessor(meterRegistry);
		}

	}

}

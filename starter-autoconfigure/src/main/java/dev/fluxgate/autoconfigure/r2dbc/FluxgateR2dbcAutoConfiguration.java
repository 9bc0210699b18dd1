package dev.fluxgate.autoconfigure.r2dbc;

import dev.fluxgate.autoconfigure.ConditionalOnFluxgateEnabled;
import dev.fluxgate.autoconfigure.defaults.ConcurrencySettingsContributor;
import dev.fluxgate.deadline.r2dbc.DeadlineAwareConnectionFactory;
import io.micrometer.core.instrument.MeterRegistry;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.r2dbc.ConnectionFactoryDecorator;
import org.springframework.boot.r2dbc.autoconfigure.ConnectionFactoryOptionsBuilderCustomizer;
import org.springframework.boot.r2dbc.autoconfigure.R2dbcAutoConfiguration;
import org.springframework.boot.r2dbc.autoconfigure.R2dbcProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;

/**
 * A statement timeout for every R2DBC connection, and for the pool Boot builds a bounded pending-acquire queue and an
 * acquire timeout that bounds the wait for a busy pool only (see {@link FluxgateConnectionPool}). The pool's other
 * limits are Boot's {@code spring.r2dbc.pool.*} properties, for which Fluxgate installs finite defaults. In a
 * reactive web application, every statement's timeout is also capped by the request's remaining deadline.
 */
@AutoConfiguration(before = R2dbcAutoConfiguration.class)
@ConditionalOnFluxgateEnabled
@ConditionalOnClass({ ConnectionFactory.class, R2dbcAutoConfiguration.class })
@EnableConfigurationProperties(FluxgateR2dbcProperties.class)
public final class FluxgateR2dbcAutoConfiguration {

	/**
	 * Runs first, so options customizers of the application see, and may override, the statement timeout.
	 */
	@Bean
	@Order(Ordered.HIGHEST_PRECEDENCE)
	ConnectionFactoryOptionsBuilderCustomizer fluxgateStatementTimeoutCustomizer(FluxgateR2dbcProperties properties) {
		return (builder) -> {
			boolean alreadySet = builder.build().hasOption(ConnectionFactoryOptions.STATEMENT_TIMEOUT);
			if (!alreadySet && !properties.getStatementTimeout().isZero()) {
				builder.option(ConnectionFactoryOptions.STATEMENT_TIMEOUT, properties.getStatementTimeout());
			}
		};
	}

	@Bean
	ConcurrencySettingsContributor fluxgateR2dbcSettings(FluxgateR2dbcProperties properties,
			ObjectProvider<ConnectionFactory> connectionFactories, Environment environment) {
		return (settings) -> {
			settings.fluxgateProperty("r2dbc", "fluxgate.r2dbc.statement-timeout", properties.getStatementTimeout());
			ConnectionFactory connectionFactory = connectionFactories.getIfUnique();
			if (connectionFactory instanceof ConnectionPool pool) {
				pool.getMetrics().ifPresent((metrics) -> {
					settings.value("r2dbc", "pool max size", metrics.getMaxAllocatedSize(), "effective pool");
					settings.value("r2dbc", "pool max pending acquire", metrics.getMaxPendingAcquireSize(),
							"effective pool");
				});
			}
			settings.bootProperty("r2dbc", "spring.r2dbc.pool.max-size", "10");
			if (connectionFactory instanceof FluxgateConnectionPool pool) {
				settings.fluxgateProperty("r2dbc", "spring.r2dbc.pool.max-acquire-time", pool.limits().maxAcquireTime());
			}
			else {
				settings.bootProperty("r2dbc", "spring.r2dbc.pool.max-acquire-time", "none");
			}
			settings.bootProperty("r2dbc", "spring.r2dbc.pool.max-create-connection-time", "none");
			settings.bootProperty("r2dbc", "spring.r2dbc.pool.max-validation-time", "none");
			settings.bootProperty("r2dbc", "spring.r2dbc.pool.max-life-time", "none");
			settings.fluxgateProperty("r2dbc", "fluxgate.r2dbc.pool.max-pending-acquire",
					properties.getPool().getMaxPendingAcquire());
			settings.fluxgateProperty("r2dbc", "fluxgate.r2dbc.pool.queue-target",
					properties.getPool().getQueueTarget());
			settings.fluxgateProperty("r2dbc", "fluxgate.r2dbc.pool.queue-interval",
					properties.getPool().getQueueInterval());
			PoolTimeoutsCoherence.check(connectionFactory, environment, settings);
		};
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(ConnectionPool.class)
	static class PendingAcquireLimitConfiguration {

		@Bean
		static PendingAcquireLimitPostProcessor fluxgatePendingAcquireLimitPostProcessor(
				ObjectProvider<FluxgateR2dbcProperties> fluxgateProperties,
				ObjectProvider<R2dbcProperties> r2dbcProperties, ObjectProvider<MeterRegistry> meterRegistry,
				Environment environment) {
			boolean timeAcquisitions = environment.getProperty("fluxgate.metrics.r2dbc-acquire.enabled", Boolean.class,
					true);
			return new PendingAcquireLimitPostProcessor(fluxgateProperties, r2dbcProperties, meterRegistry,
					timeAcquisitions);
		}

		@Bean
		static PoolSizesCheck fluxgateR2dbcPoolSizesCheck() {
			return new PoolSizesCheck();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
	@ConditionalOnClass(ConnectionFactoryDecorator.class)
	static class DeadlinePropagationConfiguration {

		/**
		 * Decorates the connection factory below Boot's pool, so every statement gets min(remaining deadline,
		 * statement timeout). Ordered last, so it wraps any other decorator (observation proxies see the statements
		 * it sends).
		 */
		@Bean
		@Order(Ordered.LOWEST_PRECEDENCE)
		ConnectionFactoryDecorator fluxgateDeadlineConnectionFactoryDecorator(FluxgateR2dbcProperties properties) {
			return (connectionFactory) -> new DeadlineAwareConnectionFactory(connectionFactory,
					properties.getStatementTimeout());
		}

	}

}

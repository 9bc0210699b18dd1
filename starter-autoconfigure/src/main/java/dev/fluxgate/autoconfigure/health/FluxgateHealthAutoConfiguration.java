package dev.fluxgate.autoconfigure.health;

import java.util.function.Function;

import dev.fluxgate.autoconfigure.ConditionalOnFluxgateEnabled;
import dev.fluxgate.autoconfigure.doctor.ConcurrencyDoctor;
import dev.fluxgate.autoconfigure.doctor.FluxgateDoctorAutoConfiguration;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.util.ClassUtils;

/**
 * The {@code concurrency} health component (in the readiness group by default, see {@link ReadinessGroupDefaults}),
 * and time bounds on Boot's R2DBC and Redis health checks. Liveness is left to Boot's {@code livenessState}, which
 * the {@link ConcurrencyDoctor} breaks only on a total event-loop stall.
 */
@AutoConfiguration(after = FluxgateDoctorAutoConfiguration.class)
@ConditionalOnFluxgateEnabled
@ConditionalOnClass({ ReactiveHealthIndicator.class, ConditionalOnEnabledHealthIndicator.class })
public final class FluxgateHealthAutoConfiguration {

	@Bean
	@ConditionalOnBean(ConcurrencyDoctor.class)
	@ConditionalOnMissingBean(name = "concurrencyHealthIndicator")
	@ConditionalOnEnabledHealthIndicator("concurrency")
	ReactiveHealthIndicator concurrencyHealthIndicator(ConcurrencyDoctor doctor, FluxgateHealthProperties properties) {
		return new ConcurrencyHealthIndicator(doctor, properties.getSaturationWindow());
	}

	@Bean
	static TimeBoundedHealthPostProcessor fluxgateTimeBoundedHealthPostProcessor(
			ObjectProvider<FluxgateHealthProperties> properties, ConfigurableListableBeanFactory beanFactory) {
		Function<String, String> r2dbcGuard = ClassUtils.isPresent("io.r2dbc.pool.ConnectionPool",
				beanFactory.getBeanClassLoader()) ? new R2dbcHealthGuard(beanFactory) : (name) -> null;
		return new TimeBoundedHealthPostProcessor(properties, r2dbcGuard);
	}

}

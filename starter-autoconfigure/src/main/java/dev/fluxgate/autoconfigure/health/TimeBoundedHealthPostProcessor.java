package dev.fluxgate.autoconfigure.health;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.health.contributor.CompositeReactiveHealthContributor;
import org.springframework.boot.health.contributor.ReactiveHealthContributor;
import org.springframework.boot.health.contributor.ReactiveHealthContributors;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;

/**
 * Bounds Boot's {@code r2dbc} and {@code redis} health contributors (single indicators, or composites keyed by
 * connection factory bean name) with {@code fluxgate.health.timeout}. Boot's own have no timeout, and the R2DBC one
 * acquires a connection from the pool, so an exhausted pool or a hung server made the health endpoint hang.
 */
class TimeBoundedHealthPostProcessor implements BeanPostProcessor {

	private static final Map<String, String> CONTRIBUTORS = Map.of("r2dbcHealthContributor", "r2dbc",
			"redisHealthContributor", "redis");

	private final ObjectProvider<FluxgateHealthProperties> properties;

	private final Function<@Nullable String, @Nullable String> r2dbcSkipReason;

	/**
	 * A post-processor.
	 * @param properties the health properties (timeout)
	 * @param r2dbcSkipReason given a connection factory bean name (none for the only one), why its check should be
	 * skipped now, if it should
	 */
	TimeBoundedHealthPostProcessor(ObjectProvider<FluxgateHealthProperties> properties,
			Function<@Nullable String, @Nullable String> r2dbcSkipReason) {
		this.properties = properties;
		this.r2dbcSkipReason = r2dbcSkipReason;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		String kind = CONTRIBUTORS.get(beanName);
		if (kind == null || !(bean instanceof ReactiveHealthContributor)) {
			return bean;
		}
		FluxgateHealthProperties properties = this.properties.getIfAvailable(FluxgateHealthProperties::new);
		Duration timeout = properties.getTimeout();
		if (bean instanceof ReactiveHealthIndicator indicator) {
			return new TimeBoundedHealthIndicator(indicator, timeout, skipReason(kind, null));
		}
		if (bean instanceof CompositeReactiveHealthContributor composite) {
			Map<String, ReactiveHealthContributor> bounded = new LinkedHashMap<>();
			for (ReactiveHealthContributors.Entry entry : composite) {
				ReactiveHealthContributor child = entry.contributor();
				bounded.put(entry.name(), (child instanceof ReactiveHealthIndicator indicator)
						? new TimeBoundedHealthIndicator(indicator, timeout, skipReason(kind, entry.name())) : child);
			}
			return CompositeReactiveHealthContributor.fromMap(bounded);
		}
		return bean;
	}

	private Supplier<String> skipReason(String kind, String name) {
		return "r2dbc".equals(kind) ? () -> this.r2dbcSkipReason.apply(name) : () -> null;
	}

}

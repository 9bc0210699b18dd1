package dev.fluxgate.autoconfigure.r2dbc;

import java.beans.PropertyDescriptor;
import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.beans.BeanUtils;
import org.springframework.boot.r2dbc.autoconfigure.R2dbcProperties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fluxgate rebuilds the pool Boot builds from {@code spring.r2dbc.pool.*} ({@link PendingAcquireLimitPostProcessor},
 * {@link FluxgateConnectionPool}), replaying Boot's mappings. When Boot adds a pool property, the rebuilt pool would
 * silently ignore it: this test fails first, so the rebuild learns the new property.
 */
class PoolPropertyCoverageTests {

	/** Every property of Boot's pool and where the rebuild applies it. */
	private static final Map<String, String> HANDLED = Map.ofEntries(
			Map.entry("enabled", "Boot: whether a pool is built at all; Fluxgate rebuilds only pools Boot built"),
			Map.entry("initialSize", "PendingAcquireLimitPostProcessor.rebuild"),
			Map.entry("maxSize", "PendingAcquireLimitPostProcessor.rebuild"),
			Map.entry("minIdle", "PendingAcquireLimitPostProcessor.rebuild"),
			Map.entry("maxIdleTime", "PendingAcquireLimitPostProcessor.rebuild"),
			Map.entry("maxLifeTime", "PendingAcquireLimitPostProcessor.rebuild"),
			Map.entry("maxValidationTime", "PendingAcquireLimitPostProcessor.rebuild"),
			Map.entry("validationQuery", "PendingAcquireLimitPostProcessor.rebuild"),
			Map.entry("validationDepth", "PendingAcquireLimitPostProcessor.rebuild"),
			Map.entry("maxAcquireTime", "FluxgateConnectionPool.AcquireLimits"),
			Map.entry("maxCreateConnectionTime", "FluxgateConnectionPool.AcquireLimits"),
			Map.entry("acquireRetry", "FluxgateConnectionPool.AcquireLimits"));

	@Test
	void everyPropertyOfBootsPoolIsAppliedByTheRebuild() {
		String[] properties = Arrays.stream(BeanUtils.getPropertyDescriptors(R2dbcProperties.Pool.class))
			.map(PropertyDescriptor::getName)
			.filter((name) -> !name.equals("class"))
			.toArray(String[]::new);
		assertThat(properties).as("spring.r2dbc.pool.* properties; map a new one in the pool rebuild, then here")
			.containsExactlyInAnyOrderElementsOf(HANDLED.keySet());
	}

}

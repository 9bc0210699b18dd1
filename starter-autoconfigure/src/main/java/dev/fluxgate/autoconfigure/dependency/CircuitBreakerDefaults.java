package dev.fluxgate.autoconfigure.dependency;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Fluxgate's circuit-breaker defaults, expressed as Resilience4j properties so users tune them with the names they
 * know. They form the shared config {@code resilience4j.circuitbreaker.configs.fluxgate}, and every dependency's
 * instance uses it as {@code base-config}; all of it sits at the lowest precedence, so any
 * {@code resilience4j.circuitbreaker.*} property the application sets wins.
 */
final class CircuitBreakerDefaults {

	/** Name of the shared Resilience4j config. */
	static final String CONFIG_NAME = "fluxgate";

	static final String CONFIG_PREFIX = "resilience4j.circuitbreaker.configs." + CONFIG_NAME + ".";

	/** Circuit breaker instance around the Redis rate-limit backend. */
	static final String RATE_LIMIT_REDIS_INSTANCE = "fluxgate-rate-limit-redis";

	private CircuitBreakerDefaults() {
	}

	/**
	 * The properties of the shared config, each with the failure its value prevents.
	 * @return property names and values
	 */
	static Map<String, Object> sharedConfig() {
		Map<String, Object> config = new LinkedHashMap<>();
		// Judge the last 20 calls: Resilience4j's 100 keeps a dead dependency's circuit closed for 100 failures.
		config.put(CONFIG_PREFIX + "sliding-window-type", "COUNT_BASED");
		config.put(CONFIG_PREFIX + "sliding-window-size", "20");
		// Do not open on two unlucky calls after a deploy.
		config.put(CONFIG_PREFIX + "minimum-number-of-calls", "10");
		config.put(CONFIG_PREFIX + "failure-rate-threshold", "50");
		// Calls slower than the attempt timeout already fail; slow-call tripping stays opt-in.
		config.put(CONFIG_PREFIX + "slow-call-rate-threshold", "100");
		// Long enough for a restarting dependency to come back; short enough not to prolong an outage needlessly.
		config.put(CONFIG_PREFIX + "wait-duration-in-open-state", "10s");
		config.put(CONFIG_PREFIX + "permitted-number-of-calls-in-half-open-state", "3");
		// Half-open probes move the state without a call having to arrive first.
		config.put(CONFIG_PREFIX + "automatic-transition-from-open-to-half-open-enabled", "true");
		// Client errors and overload refusals are not the dependency's failures.
		config.put(CONFIG_PREFIX + "ignore-exceptions[0]", "dev.fluxgate.overload.CapacityExceededException");
		return config;
	}

	/**
	 * Lowest-precedence properties that make an instance inherit the shared config.
	 * @param instance the instance (dependency) name
	 * @return the property and its value
	 */
	static Map<String, Object> instanceBase(String instance) {
		return Map.of("resilience4j.circuitbreaker.instances." + instance + ".base-config", CONFIG_NAME);
	}

	/**
	 * The Redis backend's breaker: trips fast and probes again soon, because its fallback (local buckets, fail-open or
	 * fail-closed) is cheap and Redis outages are usually short.
	 * @return property names and values
	 */
	static Map<String, Object> rateLimitRedis() {
		String prefix = "resilience4j.circuitbreaker.instances." + RATE_LIMIT_REDIS_INSTANCE + ".";
		Map<String, Object> config = new LinkedHashMap<>();
		config.put(prefix + "sliding-window-type", "COUNT_BASED");
		config.put(prefix + "sliding-window-size", "20");
		config.put(prefix + "minimum-number-of-calls", "5");
		config.put(prefix + "failure-rate-threshold", "50");
		config.put(prefix + "wait-duration-in-open-state", "5s");
		config.put(prefix + "permitted-number-of-calls-in-half-open-state", "2");
		config.put(prefix + "automatic-transition-from-open-to-half-open-enabled", "true");
		return config;
	}

}

package dev.fluxgate.autoconfigure.ratelimit;

import java.time.Duration;
import java.util.List;

import dev.fluxgate.autoconfigure.ConditionalOnFluxgateEnabled;
import dev.fluxgate.autoconfigure.FluxgateAutoConfiguration;
import dev.fluxgate.autoconfigure.defaults.ConcurrencySettingsContributor;
import dev.fluxgate.autoconfigure.validation.InvalidPropertyException;
import dev.fluxgate.gate.GateRegistry;
import dev.fluxgate.ratelimit.LocalRateLimitBackend;
import dev.fluxgate.ratelimit.RateLimitBackend;
import dev.fluxgate.ratelimit.RateLimitGate;
import dev.fluxgate.ratelimit.RateLimitWebFilter;
import dev.fluxgate.ratelimit.RedisRateLimitBackend;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.MeterRegistry;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.web.server.WebFilter;

/**
 * Request rate limiting ({@code fluxgate.rate-limit.*}) as a {@link RateLimitWebFilter}, with buckets kept locally
 * or in Redis. Every policy is a gate in the {@link GateRegistry}. The filter is installed only once a policy is
 * configured ({@code fluxgate.rate-limit.policies.<name>.*}): without one it would cost every request a filter and
 * its hop in the chain for nothing.
 */
@AutoConfiguration(after = FluxgateAutoConfiguration.class,
		afterName = { "org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration",
				"io.github.resilience4j.springboot.circuitbreaker.autoconfigure.CircuitBreakerAutoConfiguration" })
@ConditionalOnFluxgateEnabled
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass(WebFilter.class)
@ConditionalOnBooleanProperty(name = "fluxgate.rate-limit.enabled", matchIfMissing = true)
@EnableConfigurationProperties(FluxgateRateLimitProperties.class)
public final class FluxgateRateLimitAutoConfiguration {

	/** Name of the local backend bean; the Redis backend falls back to it. */
	static final String LOCAL_BACKEND = "fluxgateLocalRateLimitBackend";

	@Bean(LOCAL_BACKEND)
	@ConditionalOnMissingBean(name = LOCAL_BACKEND)
	LocalRateLimitBackend fluxgateLocalRateLimitBackend() {
		return new LocalRateLimitBackend();
	}

	@Bean
	@ConditionalOnMissingBean
	@Conditional(OnRateLimitPoliciesCondition.class)
	RateLimitWebFilter fluxgateRateLimitWebFilter(FluxgateRateLimitProperties properties, GateRegistry gates,
			ObjectProvider<RateLimitBackend> backends, ObjectProvider<MeterRegistry> meterRegistry) {
		MeterRegistry meters = meterRegistry.getIfAvailable();
		List<RateLimitGate> policies = properties.toPolicies()
			.stream()
			.map((policy) -> gates.register(new RateLimitGate(policy, meters)))
			.toList();
		RateLimitBackend backend = backends.orderedStream()
			.filter((candidate) -> !(properties.getBackend() == FluxgateRateLimitProperties.Backend.REDIS
					&& candidate instanceof LocalRateLimitBackend))
			.findFirst()
			.orElseThrow(() -> new InvalidPropertyException("fluxgate.rate-limit.backend", properties.getBackend(),
					"local, or redis with a reactive Redis connection (spring-boot-starter-data-redis-reactive)"));
		return new RateLimitWebFilter(policies, backend, properties.effectiveFilterOrder());
	}

	@Bean
	ConcurrencySettingsContributor fluxgateRateLimitSettings(FluxgateRateLimitProperties properties) {
		return (settings) -> {
			if (properties.getPolicies().isEmpty()) {
				return;
			}
			settings.fluxgateProperty("rate-limit", "fluxgate.rate-limit.backend", properties.getBackend());
			settings.fluxgateProperty("rate-limit", "fluxgate.rate-limit.failure-policy",
					properties.getFailurePolicy());
			settings.fluxgateProperty("rate-limit", "fluxgate.rate-limit.redis.timeout",
					properties.getRedis().getTimeout());
			settings.fluxgateProperty("rate-limit", "fluxgate.rate-limit.redis.key-prefix",
					properties.getRedis().getKeyPrefix());
			settings.value("rate-limit", "fluxgate.rate-limit.filter-order", properties.effectiveFilterOrder(),
					(properties.getFilterOrder() != null) ? "user property" : "Fluxgate default");
			properties.getPolicies().forEach((name, policy) -> {
				String prefix = "fluxgate.rate-limit.policies." + name + ".";
				settings.fluxgateProperty("rate-limit", prefix + "per-second", policy.getPerSecond());
				settings.fluxgateProperty("rate-limit", prefix + "per-minute", policy.getPerMinute());
			});
		};
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ ReactiveStringRedisTemplate.class, ReactiveRedisConnectionFactory.class })
	@ConditionalOnProperty(name = "fluxgate.rate-limit.backend", havingValue = "redis")
	static class RedisBackendConfiguration {

		private static final Duration WARM_UP_TIMEOUT = Duration.ofSeconds(3);

		private static final Log logger = LogFactory.getLog(RedisBackendConfiguration.class);

		@Bean
		@ConditionalOnMissingBean(RedisRateLimitBackend.class)
		RedisRateLimitBackend fluxgateRedisRateLimitBackend(FluxgateRateLimitProperties properties,
				ObjectProvider<ReactiveRedisConnectionFactory> connectionFactory,
				ObjectProvider<CircuitBreakerRegistry> circuitBreakerRegistry,
				LocalRateLimitBackend fluxgateLocalRateLimitBackend, ObjectProvider<MeterRegistry> meterRegistry) {
			@Nullable ReactiveRedisConnectionFactory factory = connectionFactory.getIfAvailable();
			if (factory == null) {
				throw new InvalidPropertyException("fluxgate.rate-limit.backend", "redis",
						"local, or redis with a reactive Redis connection (spring.data.redis.*)");
			}
			return new RedisRateLimitBackend(new ReactiveStringRedisTemplate(factory),
					properties.getRedis().getKeyPrefix(), properties.getRedis().getTimeout(),
					circuitBreaker(circuitBreakerRegistry.getIfAvailable()), properties.getFailurePolicy(),
					fluxgateLocalRateLimitBackend, meterRegistry.getIfAvailable());
		}

		/**
		 * Connects to Redis and loads the script while the application starts (bounded, on the startup thread), so
		 * the first requests are decided by Redis instead of timing out and falling back.
		 */
		@Bean
		SmartInitializingSingleton fluxgateRedisRateLimitWarmUp(RedisRateLimitBackend backend) {
			return () -> {
				try {
					backend.warmUp().block(WARM_UP_TIMEOUT);
				}
				catch (RuntimeException ex) {
					logger.warn("Redis rate-limit backend not reachable at startup (" + ex
							+ "); requests use the failure policy until it is");
				}
			};
		}

		/**
		 * The breaker instance {@code fluxgate-rate-limit-redis} (Fluxgate's defaults at the lowest precedence, tunable
		 * with resilience4j.circuitbreaker.instances.fluxgate-rate-limit-redis.*).
		 */
		private static CircuitBreaker circuitBreaker(@Nullable CircuitBreakerRegistry registry) {
			String name = "fluxgate-rate-limit-redis";
			if (registry == null) {
				return CircuitBreaker.of(name, CircuitBreakerConfig.custom()
					.slidingWindowSize(20)
					.minimumNumberOfCalls(5)
					.waitDurationInOpenState(Duration.ofSeconds(5))
					.permittedNumberOfCallsInHalfOpenState(2)
					.automaticTransitionFromOpenToHalfOpenEnabled(true)
					.build());
			}
			return registry.circuitBreaker(name);
		}

	}

}

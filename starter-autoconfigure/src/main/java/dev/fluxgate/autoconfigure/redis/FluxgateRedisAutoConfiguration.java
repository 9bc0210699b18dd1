package dev.fluxgate.autoconfigure.redis;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.fluxgate.autoconfigure.ConditionalOnFluxgateEnabled;
import dev.fluxgate.autoconfigure.defaults.ConcurrencySettingsContributor;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.resource.Delay;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.core.annotation.Order;

/**
 * A bounded Lettuce request queue, fail-fast behaviour while disconnected, and reconnect attempts at most
 * {@code fluxgate.redis.max-reconnect-delay} apart. Command and connect timeouts are Boot's
 * {@code spring.data.redis.*} properties, for which Fluxgate installs finite defaults.
 */
@AutoConfiguration(before = DataRedisAutoConfiguration.class)
@ConditionalOnFluxgateEnabled
@ConditionalOnClass({ RedisClient.class, LettuceClientOptionsBuilderCustomizer.class })
@EnableConfigurationProperties(FluxgateRedisProperties.class)
public final class FluxgateRedisAutoConfiguration {

	/**
	 * Runs first, so the application's own customizers see, and may override, these options.
	 */
	@Bean
	@Order(Ordered.HIGHEST_PRECEDENCE)
	LettuceClientOptionsBuilderCustomizer fluxgateLettuceClientOptionsCustomizer(FluxgateRedisProperties properties) {
		return (builder) -> builder.requestQueueSize(properties.getRequestQueueSize())
			.disconnectedBehavior(switch (properties.getDisconnectedBehavior()) {
				case ACCEPT_COMMANDS -> ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS;
				case REJECT_COMMANDS -> ClientOptions.DisconnectedBehavior.REJECT_COMMANDS;
			});
	}

	/**
	 * Lettuce's exponential reconnect backoff (from 1 ms, doubling) capped at the configured delay instead of 30 s.
	 * Runs first, so the application's own customizers may override it; a {@code ClientResources} bean of the
	 * application replaces Boot's, and this with it.
	 */
	@Bean
	@Order(Ordered.HIGHEST_PRECEDENCE)
	ClientResourcesBuilderCustomizer fluxgateLettuceClientResourcesCustomizer(FluxgateRedisProperties properties) {
		return (builder) -> builder.reconnectDelay(reconnectDelay(properties.getMaxReconnectDelay()));
	}

	static Delay reconnectDelay(Duration max) {
		return Delay.exponential(Duration.ZERO, max, 2, TimeUnit.MILLISECONDS);
	}

	@Bean
	ConcurrencySettingsContributor fluxgateRedisSettings(FluxgateRedisProperties properties, Environment environment) {
		return (settings) -> {
			if (!RedisUsage.inUse(environment)) {
				return;
			}
			settings.bootProperty("redis", "spring.data.redis.timeout", "60s");
			settings.bootProperty("redis", "spring.data.redis.connect-timeout", "10s");
			settings.fluxgateProperty("redis", "fluxgate.redis.request-queue-size", properties.getRequestQueueSize());
			settings.fluxgateProperty("redis", "fluxgate.redis.disconnected-behavior",
					properties.getDisconnectedBehavior());
			settings.fluxgateProperty("redis", "fluxgate.redis.max-reconnect-delay", properties.getMaxReconnectDelay());
			settings.duration("spring.data.redis.timeout")
				.ifPresent((timeout) -> settings.requireNotLonger("spring.data.redis.timeout", timeout,
						"spring.http.clients.read-timeout"));
		};
	}

}

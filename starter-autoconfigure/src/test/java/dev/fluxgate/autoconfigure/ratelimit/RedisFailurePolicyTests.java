package dev.fluxgate.autoconfigure.ratelimit;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;

import dev.fluxgate.overload.CapacityExceededException;
import dev.fluxgate.ratelimit.LocalRateLimitBackend;
import dev.fluxgate.ratelimit.RateLimitDecision;
import dev.fluxgate.ratelimit.RateLimitFailurePolicy;
import dev.fluxgate.ratelimit.RateLimitKeyResolver;
import dev.fluxgate.ratelimit.RateLimitPolicy;
import dev.fluxgate.ratelimit.RateLimitWindow;
import dev.fluxgate.ratelimit.RedisRateLimitBackend;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.lettuce.core.ClientOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Each failure policy against a Redis that is not there (a closed loopback port): decided quickly, every time.
 */
class RedisFailurePolicyTests {

	private LettuceConnectionFactory connectionFactory;

	private final RateLimitPolicy policy = RateLimitPolicy.of("offline", List.of("/**"),
			RateLimitKeyResolver.clientAddress(), List.of(new RateLimitWindow("minute", 2, Duration.ofMinutes(1))));

	@BeforeEach
	void unreachableRedis() throws IOException {
		int closedPort;
		try (ServerSocket socket = new ServerSocket(0)) {
			closedPort = socket.getLocalPort();
		}
		this.connectionFactory = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", closedPort),
				LettuceClientConfiguration.builder()
					.commandTimeout(Duration.ofSeconds(2))
					.clientOptions(ClientOptions.builder()
						.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
						.build())
					.build());
		this.connectionFactory.afterPropertiesSet();
		this.connectionFactory.start();
	}

	@AfterEach
	void close() {
		this.connectionFactory.destroy();
	}

	private RedisRateLimitBackend backend(RateLimitFailurePolicy failurePolicy, CircuitBreaker breaker) {
		return new RedisRateLimitBackend(new ReactiveStringRedisTemplate(this.connectionFactory), "guards-deps-test:",
				Duration.ofMillis(100), breaker, failurePolicy, new LocalRateLimitBackend(), null);
	}

	@ParameterizedTest
	@EnumSource(RateLimitFailurePolicy.class)
	void everyDecisionIsQuickAndFollowsThePolicy(RateLimitFailurePolicy failurePolicy) {
		CircuitBreaker breaker = CircuitBreaker.of("redis", CircuitBreakerConfig.custom()
			.slidingWindowSize(4)
			.minimumNumberOfCalls(4)
			.waitDurationInOpenState(Duration.ofMinutes(1))
			.build());
		RedisRateLimitBackend backend = backend(failurePolicy, breaker);
		for (int i = 0; i < 8; i++) {
			long started = System.nanoTime();
			int attempt = i;
			switch (failurePolicy) {
				case FAIL_OPEN -> assertThat(decide(backend).allowed()).isTrue();
				case FAIL_CLOSED -> assertThatExceptionOfType(CapacityExceededException.class)
					.isThrownBy(() -> decide(backend))
					.satisfies((ex) -> assertThat(ex.getReason()).isEqualTo(RedisRateLimitBackend.REASON_UNAVAILABLE));
				case LOCAL_FALLBACK -> assertThat(decide(backend).allowed()).isEqualTo(attempt < 2);
			}
			assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
		}
		// after a few failures the breaker stops even trying Redis
		assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
	}

	private RateLimitDecision decide(RedisRateLimitBackend backend) {
		return backend.tryConsume(this.policy, "client").block(Duration.ofSeconds(5));
	}

}

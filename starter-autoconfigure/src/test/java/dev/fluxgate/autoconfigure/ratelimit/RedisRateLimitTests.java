package dev.fluxgate.autoconfigure.ratelimit;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import dev.fluxgate.test.TestServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Redis backend in real applications against the real Redis: two instances share one budget, and an instance
 * pointed at a closed port keeps answering quickly under its failure policy.
 */
class RedisRateLimitTests {

	private static final String KEY_PREFIX = "guards-deps-test:" + UUID.randomUUID() + ":";

	private static final List<ConfigurableApplicationContext> contexts = new ArrayList<>();

	private static String[] properties(String redisHost, int redisPort, String... extra) {
		List<String> all = new ArrayList<>(List.of("spring.data.redis.host=" + redisHost,
				"spring.data.redis.port=" + redisPort, "fluxgate.rate-limit.backend=redis",
				"fluxgate.rate-limit.redis.key-prefix=" + KEY_PREFIX,
				"fluxgate.rate-limit.policies.api.paths=/api/**", "fluxgate.rate-limit.policies.api.key=header",
				"fluxgate.rate-limit.policies.api.key-header=X-Api-Key"));
		all.addAll(List.of(extra));
		return all.toArray(String[]::new);
	}

	@BeforeAll
	static void redis() {
		TestServices.redis();
	}

	@AfterAll
	static void cleanUp() {
		ConfigurableApplicationContext shared = contexts.isEmpty() ? null : contexts.get(0);
		if (shared != null) {
			ReactiveStringRedisTemplate redis = new ReactiveStringRedisTemplate(
					shared.getBean(ReactiveRedisConnectionFactory.class));
			redis.scan(ScanOptions.scanOptions().match(KEY_PREFIX + "*").count(1000).build())
				.flatMap(redis::delete)
				.blockLast(Duration.ofSeconds(10));
		}
		contexts.forEach(ConfigurableApplicationContext::close);
	}

	private static ConfigurableApplicationContext start(String... properties) {
		ConfigurableApplicationContext context = RateLimitTestApp.start(properties);
		contexts.add(context);
		return context;
	}

	private static HttpStatus get(WebClient client, String apiKey) {
		return client.get()
			.uri("/api/hello")
			.header("X-Api-Key", apiKey)
			.exchangeToMono((response) -> response.releaseBody()
				.thenReturn(HttpStatus.valueOf(response.statusCode().value())))
			.block(Duration.ofSeconds(10));
	}

	@Test
	void twoInstancesSharingRedisEnforceOneBudget() {
		TestServices.Redis redis = TestServices.redis();
		// per-minute 10: a token every 6 s, so the shared budget is exact within the test
		// a generous Redis timeout: this test is about one shared budget, not about a busy machine's latency
		String[] config = properties(redis.host(), redis.port(), "fluxgate.rate-limit.policies.api.per-minute=10",
				"fluxgate.rate-limit.redis.timeout=1s");
		ConfigurableApplicationContext firstContext = start(config);
		WebClient first = WebClient.create(RateLimitTestApp.baseUrl(firstContext));
		WebClient second = WebClient.create(RateLimitTestApp.baseUrl(start(config)));
		String apiKey = "shared-" + UUID.randomUUID();
		int admitted = 0;
		int rejectedByFirst = 0;
		int rejectedBySecond = 0;
		for (int i = 0; i < 8; i++) {
			HttpStatus a = get(first, apiKey);
			HttpStatus b = get(second, apiKey);
			admitted += ((a == HttpStatus.OK) ? 1 : 0) + ((b == HttpStatus.OK) ? 1 : 0);
			rejectedByFirst += (a == HttpStatus.TOO_MANY_REQUESTS) ? 1 : 0;
			rejectedBySecond += (b == HttpStatus.TOO_MANY_REQUESTS) ? 1 : 0;
		}
		// each instance alone would admit 8 (16 in total); one shared budget admits 10 (11 if a token refilled)
		assertThat(admitted).isBetween(10, 11);
		assertThat(rejectedByFirst).isPositive();
		assertThat(rejectedBySecond).isPositive();
		// one key per window, the policy and client key in a Redis Cluster hash tag, expiring once idle
		ReactiveStringRedisTemplate template = new ReactiveStringRedisTemplate(
				firstContext.getBean(ReactiveRedisConnectionFactory.class));
		Duration ttl = template.getExpire(KEY_PREFIX + "{api:header:" + apiKey + "}:minute").block(Duration.ofSeconds(5));
		assertThat(ttl).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(61));
	}

	@Test
	void unreachableRedisFallsBackToLocalBucketsWithoutStalling() throws IOException {
		int closedPort;
		try (ServerSocket socket = new ServerSocket(0)) {
			closedPort = socket.getLocalPort();
		}
		WebClient client = WebClient.create(RateLimitTestApp.baseUrl(start(properties("127.0.0.1", closedPort,
				"fluxgate.rate-limit.policies.api.per-minute=3", "fluxgate.rate-limit.failure-policy=local-fallback"))));
		List<HttpStatus> statuses = new ArrayList<>();
		long slowest = 0;
		for (int i = 0; i < 12; i++) {
			long started = System.nanoTime();
			statuses.add(get(client, "offline"));
			slowest = Math.max(slowest, System.nanoTime() - started);
		}
		// the local buckets still enforce the limit...
		assertThat(statuses.subList(0, 3)).containsOnly(HttpStatus.OK);
		assertThat(statuses.subList(3, 12)).containsOnly(HttpStatus.TOO_MANY_REQUESTS);
		// ...and no request waited for Redis (spring.data.redis.timeout is 2 s, Lettuce's connect timeout 10 s)
		assertThat(Duration.ofNanos(slowest)).isLessThan(Duration.ofSeconds(1));
	}

}

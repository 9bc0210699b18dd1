package dev.fluxgate.autoconfigure.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import dev.fluxgate.eventloop.BlockingDetection;
import dev.fluxgate.ratelimit.LocalRateLimitBackend;
import dev.fluxgate.ratelimit.RateLimitKeyResolver;
import dev.fluxgate.ratelimit.RateLimitPolicy;
import dev.fluxgate.ratelimit.RateLimitWindow;
import dev.fluxgate.test.TestServices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("blockhound") // installs BlockHound, which is JVM-wide: runs in a JVM of its own (see the parent pom)
class RateLimitBlockHoundTests {

	@Test
	void theRecorderSeesBlockingCalls() {
		List<String> blocking = BlockingDetection.recordDuring(() -> Mono.fromCallable(() -> {
			Thread.sleep(1);
			return 1;
		}).subscribeOn(Schedulers.parallel()).block(Duration.ofSeconds(5)));
		assertThat(blocking).isNotEmpty();
	}

	@Test
	void theLocalBackendNeverBlocks() {
		LocalRateLimitBackend backend = new LocalRateLimitBackend();
		RateLimitPolicy policy = RateLimitPolicy.of("local", List.of("/**"), RateLimitKeyResolver.clientAddress(),
				List.of(new RateLimitWindow("second", 50, Duration.ofSeconds(1))));
		List<String> blocking = BlockingDetection.recordDuring(() -> Flux.range(0, 5000)
			.flatMap((i) -> backend.tryConsume(policy, "key-" + (i % 7)).subscribeOn(Schedulers.parallel()))
			.then()
			.block(Duration.ofSeconds(20)));
		assertThat(blocking).isEmpty();
	}

	@Test
	void theRateLimitFilterWithTheRedisBackendNeverBlocks() {
		TestServices.Redis redis = TestServices.redis();
		String prefix = "guards-deps-test:" + UUID.randomUUID() + ":";
		try (ConfigurableApplicationContext context = RateLimitTestApp.start(redis.properties()[0],
				redis.properties()[1], "fluxgate.rate-limit.backend=redis", "fluxgate.rate-limit.redis.key-prefix=" + prefix,
				"fluxgate.rate-limit.redis.timeout=1s", "fluxgate.rate-limit.policies.api.paths=/api/**",
				// A minute's budget: the 100 requests get 200s and 429s however slowly a busy machine sends them.
				"fluxgate.rate-limit.policies.api.per-minute=20")) {
			WebClient client = WebClient.create(RateLimitTestApp.baseUrl(context));
			client.get().uri("/api/hello").retrieve().toBodilessEntity().onErrorResume((ex) -> Mono.empty())
				.block(Duration.ofSeconds(10));
			List<String> blocking = BlockingDetection.recordDuring(() -> Flux.range(0, 100)
				.flatMap((i) -> client.get()
					.uri("/api/hello")
					.exchangeToMono((response) -> response.releaseBody().thenReturn(response.statusCode().value())), 8)
				.collectList()
				.doOnNext((statuses) -> assertThat(statuses).contains(200, 429))
				.block(Duration.ofSeconds(30)));
			assertThat(blocking).isEmpty();
			ReactiveStringRedisTemplate template = new ReactiveStringRedisTemplate(
					context.getBean(ReactiveRedisConnectionFactory.class));
			template.scan(ScanOptions.scanOptions().match(prefix + "*").build())
				.flatMap(template::delete)
				.blockLast(Duration.ofSeconds(10));
		}
	}

}

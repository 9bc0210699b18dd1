package dev.fluxgate.dependency;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import dev.fluxgate.eventloop.BlockingDetection;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@Tag("blockhound") // installs BlockHound, which is JVM-wide: runs in a JVM of its own (see the parent pom)
class DependencyGuardBlockHoundTests {

	@Test
	void blockHoundDetectsBlockingOnEventLoops() {
		// proves the recorder works, so an empty list below means something
		List<String> blocking = BlockingDetection.recordDuring(() -> Mono.fromRunnable(() -> {
			try {
				Thread.sleep(1);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}).subscribeOn(Schedulers.parallel()).block(Duration.ofSeconds(5)));
		assertThat(blocking).isNotEmpty();
	}

	@Test
	void bulkheadRetryAndCircuitBreakerNeverBlock() {
		try (LoopbackServer server = new LoopbackServer()) {
			Bulkhead bulkhead = new Bulkhead("blockhound", new BulkheadSettings(4, 64, Duration.ofMillis(500)), null);
			CircuitBreaker breaker = CircuitBreaker.of("blockhound",
					CircuitBreakerConfig.custom().slidingWindowSize(10).minimumNumberOfCalls(10).build());
			RetrySettings retry = new RetrySettings(3, Duration.ofMillis(2), Duration.ofMillis(10),
					RetrySettings.IDEMPOTENT_METHODS, Set.of(503), 50, 10, Duration.ofSeconds(10));
			DependencyGuard guard = new DependencyGuard(new DependencySettings("blockhound", Duration.ofMillis(800),
					Duration.ofMillis(300), bulkhead.settings(), retry), bulkhead, breaker, null, null);
			WebClient client = WebClient.builder().baseUrl(server.baseUrl()).filter(guard).build();
			// warm up class loading and the connection pool outside the recording window
			WebClient.create(server.baseUrl()).get().uri("/ok").retrieve().toBodilessEntity()
				.block(Duration.ofSeconds(30));
			List<String> blocking = BlockingDetection.recordDuring(() -> Flux.range(0, 60)
				.flatMap((i) -> client.get()
					.uri(switch (i % 4) {
						case 0 -> "/ok";
						case 1 -> "/unavailable?blockhound";
						case 2 -> "/slow";
						default -> "/unavailable-twice";
					})
					.retrieve()
					.toBodilessEntity()
					.subscribeOn(Schedulers.parallel())
					.onErrorResume((ex) -> Mono.empty()))
				.then()
				.block(Duration.ofSeconds(20)));
			assertThat(blocking).isEmpty();
			// permits come back in doFinally, just after the caller saw the outcome
			await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(bulkhead.snapshot().inFlight()).isZero());
			assertThat(bulkhead.snapshot().admitted()).isPositive();
		}
	}

}

package dev.fluxgate.dependency;

import java.time.Duration;
import java.util.Set;

import dev.fluxgate.deadline.Deadline;
import dev.fluxgate.overload.CapacityExceededException;
import dev.fluxgate.overload.DeadlineExceededException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class DependencyGuardTests {

	private static LoopbackServer server;

	@BeforeAll
	static void start() {
		server = new LoopbackServer();
		// class loading and the first connection take long on a busy machine: keep that out of timed tests
		WebClient.create(server.baseUrl()).get().uri("/ok").retrieve().toBodilessEntity().block(Duration.ofSeconds(30));
	}

	@AfterAll
	static void stop() {
		server.close();
	}

	private static RetrySettings retry(int maxAttempts, int budgetPercent, int budgetMinPerSecond) {
		return new RetrySettings(maxAttempts, Duration.ofMillis(5), Duration.ofMillis(20),
				RetrySettings.IDEMPOTENT_METHODS, Set.of(502, 503, 504), budgetPercent, budgetMinPerSecond,
				Duration.ofSeconds(10));
	}

	private static WebClient client(DependencyGuard guard) {
		return WebClient.builder().baseUrl(server.baseUrl()).filter(guard).build();
	}

	private static DependencyGuard guard(String name, Duration timeout, Duration attemptTimeout, RetrySettings retry,
			CircuitBreaker circuitBreaker) {
		return new DependencyGuard(new DependencySettings(name, timeout, attemptTimeout, null, retry), null,
				circuitBreaker, null, null);
	}

	private static HttpStatus status(WebClient client, HttpMethod method, String path) {
		return client.method(method)
			.uri(path)
			.exchangeToMono((response) -> response.releaseBody().thenReturn(HttpStatus.valueOf(response.statusCode().value())))
			.block(Duration.ofSeconds(10));
	}

	@Test
	void idempotentCallsAreRetriedUntilTheDependencyRecovers() {
		WebClient client = client(guard("retry", Duration.ofSeconds(5), Duration.ofSeconds(2), retry(3, 20, 10), null));
		assertThat(status(client, HttpMethod.GET, "/unavailable-twice")).isEqualTo(HttpStatus.OK);
		assertThat(server.hits("/unavailable-twice")).isEqualTo(3);
	}

	@Test
	void nonIdempotentCallsAreNotRetried() {
		WebClient client = client(guard("post", Duration.ofSeconds(5), Duration.ofSeconds(2), retry(3, 20, 10), null));
		int before = server.hits("/unavailable");
		assertThat(status(client, HttpMethod.POST, "/unavailable?post")).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
		assertThat(server.hits("/unavailable") - before).isEqualTo(1);
	}

	@Test
	void aRetryThatCannotFinishBeforeTheDeadlineIsNotScheduled() {
		// The dependency asks for 2 s; the request has 500 ms left: retrying would only time out.
		WebClient client = client(guard("deadline", Duration.ofSeconds(5), Duration.ofSeconds(2), retry(3, 20, 10), null));
		long started = System.nanoTime();
		HttpStatus status = client.get()
			.uri("/retry-after")
			.exchangeToMono((response) -> response.releaseBody().thenReturn(HttpStatus.valueOf(response.statusCode().value())))
			.contextWrite((context) -> Deadline.after(Duration.ofMillis(500)).putIn(context))
			.block(Duration.ofSeconds(10));
		assertThat(status).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
		assertThat(server.hits("/retry-after")).isEqualTo(1);
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(1500));
	}

	@Test
	void retryAfterIsHonouredWhenItFits() {
		WebClient client = client(guard("honour", Duration.ofSeconds(5), Duration.ofSeconds(2), retry(2, 20, 10), null));
		int before = server.hits("/retry-after");
		long started = System.nanoTime();
		assertThat(status(client, HttpMethod.GET, "/retry-after")).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
		assertThat(server.hits("/retry-after") - before).isEqualTo(2);
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
	}

	@Test
	void theRetryBudgetStopsRetriesFromMultiplyingLoad() {
		// 0 % of requests plus 1 retry per second over a 10 s window: at most 10 retries, however many calls fail.
		WebClient client = client(guard("budget", Duration.ofSeconds(5), Duration.ofSeconds(2), retry(3, 0, 1), null));
		int before = server.hits("/unavailable");
		for (int i = 0; i < 20; i++) {
			assertThat(status(client, HttpMethod.GET, "/unavailable?budget")).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
		}
		int hits = server.hits("/unavailable") - before;
		// without a budget: 60 requests (20 calls x 3 attempts)
		assertThat(hits).isBetween(20, 30);
	}

	@Test
	void attemptTimeoutsAreRetriedAndTheCallTimesOutAsAGatewayTimeout() {
		WebClient client = client(guard("slow", Duration.ofMillis(2400), Duration.ofMillis(700), retry(3, 100, 10), null));
		int before = server.hits("/slow");
		long started = System.nanoTime();
		StepVerifier.create(client.get().uri("/slow").retrieve().toBodilessEntity())
			.expectError(DeadlineExceededException.class)
			.verify(Duration.ofSeconds(10));
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(4500));
		assertThat(server.hits("/slow") - before).isGreaterThanOrEqualTo(2);
	}

	@Test
	void timeoutsAndServerErrorsOpenTheCircuitWhichThenFailsFast() {
		CircuitBreaker breaker = CircuitBreaker.of("cb", CircuitBreakerConfig.custom()
			.slidingWindowSize(4)
			.minimumNumberOfCalls(4)
			.failureRateThreshold(50)
			.waitDurationInOpenState(Duration.ofSeconds(30))
			.build());
		WebClient client = client(guard("cb", Duration.ofMillis(600), Duration.ofMillis(600), RetrySettings.disabled(),
				breaker));
		for (int i = 0; i < 2; i++) {
			StepVerifier.create(client.get().uri("/slow").retrieve().toBodilessEntity())
				.expectError(DeadlineExceededException.class)
				.verify(Duration.ofSeconds(5));
			assertThat(status(client, HttpMethod.GET, "/error")).isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR);
		}
		assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
		int hits = server.hits("/ok");
		StepVerifier.create(client.get().uri("/ok").retrieve().toBodilessEntity())
			.expectErrorSatisfies((ex) -> {
				assertThat(ex).isInstanceOf(CapacityExceededException.class);
				assertThat(((CapacityExceededException) ex).getReason()).isEqualTo(DependencyGuard.REASON_CIRCUIT_OPEN);
				assertThat(((CapacityExceededException) ex).getRetryAfter()).contains(Duration.ofSeconds(30));
			})
			.verify(Duration.ofSeconds(5));
		assertThat(server.hits("/ok")).isEqualTo(hits);
	}

	@Test
	void theCallerCanReadTheBodyOfAServerErrorThatTheCircuitBreakerCounted() {
		CircuitBreaker breaker = CircuitBreaker.ofDefaults("body");
		WebClient client = client(guard("body", Duration.ofSeconds(2), Duration.ofSeconds(2), RetrySettings.disabled(),
				breaker));

		String body = client.get()
			.uri("/error-with-body")
			.exchangeToMono((response) -> response.bodyToMono(String.class))
			.block(Duration.ofSeconds(10));

		assertThat(body).isEqualTo("{\"error\":\"boom\"}");
		assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(1);
	}

	@Test
	void aFallbackAnswersWhenTheCircuitIsOpen() {
		CircuitBreaker breaker = CircuitBreaker.ofDefaults("fallback");
		breaker.transitionToOpenState();
		DependencyGuard guard = guard("fallback", Duration.ofSeconds(1), Duration.ofSeconds(1), RetrySettings.disabled(),
				breaker).withFallback((request, cause) -> Mono.just(ClientResponse.create(HttpStatus.OK)
					.body("cached:" + cause.getReason())
					.build()));
		assertThat(client(guard).get().uri("/ok").retrieve().bodyToMono(String.class).block(Duration.ofSeconds(5)))
			.isEqualTo("cached:circuit-open");
	}

	@Test
	void aFullBulkheadRejectsWithServiceUnavailableAndReleasesEveryPermit() {
		Bulkhead bulkhead = new Bulkhead("bh", new BulkheadSettings(2, 0, Duration.ZERO), null);
		DependencyGuard guard = new DependencyGuard(new DependencySettings("bh", Duration.ofMillis(300),
				Duration.ofMillis(300), bulkhead.settings(), RetrySettings.disabled()), bulkhead, null, null, null);
		WebClient client = client(guard);
		var outcomes = Flux.range(0, 6)
			.flatMap((i) -> client.get().uri("/slow").retrieve().toBodilessEntity()
				.map((entity) -> "ok")
				.onErrorResume((ex) -> Mono.just(ex.getClass().getSimpleName())))
			.collectList()
			.block(Duration.ofSeconds(10));
		assertThat(outcomes).filteredOn("CapacityExceededException"::equals).hasSize(4);
		assertThat(outcomes).filteredOn("DeadlineExceededException"::equals).hasSize(2);
		// permits come back in doFinally, just after the caller saw the outcome
			await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(bulkhead.snapshot().inFlight()).isZero());
	}

}

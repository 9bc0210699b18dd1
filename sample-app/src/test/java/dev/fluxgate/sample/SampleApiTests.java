package dev.fluxgate.sample;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import dev.fluxgate.dependency.FluxgateDependencies;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample's overload contract end to end: the rate-limited API, the named dependency {@code downstream} (retries,
 * bulkhead, circuit breaker, fallback), request deadlines and the concurrency endpoint. Same configuration as
 * {@link SampleApplicationTests}, so both share one application context.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "spring.http.clients.read-timeout=1s")
@AutoConfigureWebTestClient
class SampleApiTests {

	@Autowired
	private WebTestClient client;

	@Autowired
	private FluxgateDependencies dependencies;

	@LocalServerPort
	private int port;

	@AfterEach
	void closeCircuit() {
		this.dependencies.guard(DownstreamClients.NAME).circuitBreaker().reset();
	}

	private static String newKey() {
		return "sample-test-" + UUID.randomUUID();
	}

	@Test
	void apiIsRateLimitedPerApiKeyWithRateLimitHeaders() {
		String key = newKey();
		// 5 per second: the bucket holds 5 and refills one every 200 ms. The burst is sent all at once, so however
		// slowly a busy machine answers, it outruns the refill (a loop of single requests may not).
		WebClient webClient = WebClient.create("http://127.0.0.1:" + this.port);
		List<ResponseEntity<String>> answers = Flux.range(0, 30)
			.flatMap((i) -> webClient.get()
				.uri("/api/quote")
				.header("X-Api-Key", key)
				.exchangeToMono((response) -> response.toEntity(String.class)), 30)
			.collectList()
			.block(Duration.ofSeconds(60));
		assertThat(answers).allSatisfy((answer) -> {
			assertThat(answer.getHeaders().containsHeader("RateLimit-Policy")).isTrue();
			assertThat(answer.getHeaders().containsHeader("RateLimit")).isTrue();
		});
		assertThat(answers).filteredOn((answer) -> answer.getStatusCode().value() == 200).hasSizeGreaterThanOrEqualTo(5);
		ResponseEntity<String> refused = answers.stream()
			.filter((answer) -> answer.getStatusCode().value() == 429)
			.findFirst()
			.orElseThrow(() -> new AssertionError("no 429 in a burst of 30 against a 5 per second policy"));
		assertThat(refused.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isNotBlank();
		assertThat(refused.getHeaders().getContentType()).hasToString("application/problem+json");
		assertThat(refused.getBody()).contains("\"status\":429");
		// Another key has a budget of its own.
		this.client.get().uri("/api/quote").header("X-Api-Key", newKey()).exchange().expectStatus().isOk();
	}

	@Test
	void flakyDownstreamIsRetriedUntilItAnswers() {
		this.client.get()
			.uri("/api/quote?failures=2")
			.header("X-Api-Key", newKey())
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.calls")
			.isEqualTo(3);
		this.client.get()
			.uri("/actuator/metrics/fluxgate.dependency.retries?tag=dependency:downstream&tag=outcome:retried")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.measurements[0].value")
			.value((Number value) -> assertThat(value.doubleValue()).isGreaterThanOrEqualTo(2));
	}

	@Test
	void failingDownstreamOpensTheCircuitAndTheCachedRouteFallsBack() {
		boolean open = false;
		for (int i = 0; i < 12 && !open; i++) {
			int status = this.client.get()
				.uri("/api/quote?fail=true")
				.header("X-Api-Key", newKey())
				.exchange()
				.returnResult(String.class)
				.getStatus()
				.value();
			assertThat(status).isIn(502, 503);
			open = status == 503;
		}
		this.client.get()
			.uri("/api/quote")
			.header("X-Api-Key", newKey())
			.exchange()
			.expectStatus()
			.isEqualTo(503)
			.expectHeader()
			.exists(HttpHeaders.RETRY_AFTER)
			.expectBody()
			.jsonPath("$.reason")
			.isEqualTo("circuit-open");
		this.client.get()
			.uri("/api/quote/cached")
			.header("X-Api-Key", newKey())
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.valueEquals(DownstreamClients.FALLBACK_HEADER, "circuit-open")
			.expectBody()
			.jsonPath("$.source")
			.isEqualTo("fallback");
	}

	@Test
	void burstBeyondTheBulkheadGets503BulkheadFull() {
		WebClient webClient = WebClient.create("http://127.0.0.1:" + this.port);
		List<String> outcomes = Flux.range(0, 12)
			.flatMap((i) -> webClient.get()
				.uri("/api/quote?delayMs=800")
				.header("X-Api-Key", newKey())
				.exchangeToMono((response) -> response.bodyToMono(String.class)
					.defaultIfEmpty("")
					.map((body) -> response.statusCode().value() + " "
							+ response.headers().asHttpHeaders().getFirst(HttpHeaders.RETRY_AFTER) + " " + body)),
					12)
			.collectList()
			.block(Duration.ofSeconds(20));
		assertThat(outcomes).filteredOn((outcome) -> outcome.startsWith("200")).hasSizeBetween(4, 8);
		assertThat(outcomes).filteredOn((outcome) -> outcome.startsWith("503"))
			.isNotEmpty()
			.allSatisfy((outcome) -> assertThat(outcome).doesNotContain(" null ").contains("bulkhead-full"));
	}

	@Test
	void requestDeadlineFromTheHeaderEndsASlowRequestWith504() {
		long start = System.nanoTime();
		this.client.get()
			.uri("/stub/slow?delayMs=5000")
			.header("X-Request-Timeout-Ms", "300")
			.exchange()
			.expectStatus()
			.isEqualTo(504)
			.expectHeader()
			.contentType("application/problem+json");
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
	}

	@Test
	void concurrencyEndpointShowsSettingsAndFindings() {
		this.client.get()
			.uri("/actuator/concurrency")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.findings")
			.isArray()
			.jsonPath("$.settings.values")
			.isArray()
			.jsonPath("$.resources[?(@.name == 'downstream')]")
			.exists();
	}

}

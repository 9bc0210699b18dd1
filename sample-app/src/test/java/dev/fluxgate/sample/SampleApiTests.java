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
import org.springframework.test.web.reactive.server.FluxExchangeResult;
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
		// 5 per second: the bucket holds 5 and refills one every 200 ms, so a quick loop soon runs out. The refusal
		// checked is the loop's own: a request sent after it could find a token refilled on a slow machine.
		int admitted = 0;
		FluxExchangeResult<String> last = null;
		for (int i = 0; i < 40 && (last == null || last.getStatus().value() == 200); i++) {
			last = this.client.get()
				.uri("/api/quote")
				.header("X-Api-Key", key)
				.exchange()
				.expectHeader()
				.exists("RateLimit-Policy")
				.expectHeader()
				.exists("RateLimit")
				.returnResult(String.class);
			admitted += (last.getStatus().value() == 200) ? 1 : 0;
		}
		assertThat(admitted).isGreaterThanOrEqualTo(5);
		assertThat(last.getStatus().value()).isEqualTo(429);
		assertThat(last.getResponseHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isNotBlank();
		assertThat(last.getResponseHeaders().getContentType()).hasToString("application/problem+json");
		assertThat(last.getResponseBody().blockFirst(Duration.ofSeconds(10))).contains("\"status\":429");
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

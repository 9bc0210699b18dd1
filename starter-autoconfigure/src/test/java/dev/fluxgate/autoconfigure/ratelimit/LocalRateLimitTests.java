package dev.fluxgate.autoconfigure.ratelimit;

import java.time.Duration;
import java.util.Map;

import dev.fluxgate.gate.GateRegistry;
import dev.fluxgate.gate.GateSnapshot;
import dev.fluxgate.ratelimit.RateLimitGate;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The local backend in a real application: 429 with Retry-After, RateLimit headers and a problem body, per key.
 */
class LocalRateLimitTests {

	private static ConfigurableApplicationContext context;

	private static WebClient client;

	@BeforeAll
	static void start() {
		context = RateLimitTestApp.start("fluxgate.rate-limit.policies.api.paths=/api/**",
				"fluxgate.rate-limit.policies.api.key=header", "fluxgate.rate-limit.policies.api.key-header=X-Api-Key",
				"fluxgate.rate-limit.policies.api.per-second=50", "fluxgate.rate-limit.policies.api.per-minute=3");
		client = WebClient.create(RateLimitTestApp.baseUrl(context));
	}

	@AfterAll
	static void stop() {
		context.close();
	}

	private static ResponseEntity<String> get(String path, String apiKey) {
		return client.get()
			.uri(path)
			.header("X-Api-Key", apiKey)
			.exchangeToMono((response) -> response.toEntity(String.class))
			.block(Duration.ofSeconds(10));
	}

	@Test
	void aKeyOverItsBudgetGets429WithRetryAfterAndRateLimitHeaders() {
		// per-minute 3: one token every 20 s, so the counts below are exact however slow the machine is
		for (int i = 0; i < 3; i++) {
			ResponseEntity<String> admitted = get("/api/hello", "alice");
			assertThat(admitted.getStatusCode()).isEqualTo(HttpStatus.OK);
			assertThat(admitted.getHeaders().getFirst("RateLimit-Policy"))
				.isEqualTo("\"api-second\";q=50;w=1, \"api-minute\";q=3;w=60");
			assertThat(admitted.getHeaders().getFirst("RateLimit")).contains("\"api-minute\";r=" + (2 - i) + ";t=");
		}
		ResponseEntity<String> rejected = get("/api/hello", "alice");
		assertThat(rejected.getStatusCode()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
		// computed from the bucket: the next token arrives about 20 s after the first request
		assertThat(Integer.parseInt(rejected.getHeaders().getFirst("Retry-After"))).isBetween(10, 20);
		assertThat(rejected.getHeaders().getFirst("RateLimit")).contains("\"api-minute\";r=0;t=");
		assertThat(rejected.getHeaders().getFirst("RateLimit-Policy")).contains("\"api-minute\";q=3;w=60");
		assertThat(rejected.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(rejected.getBody()).contains("\"status\":429").contains("rate-limited");
		// another key has its own budget; unmatched paths are not limited
		assertThat(get("/api/hello", "bob").getStatusCode()).isEqualTo(HttpStatus.OK);
		for (int i = 0; i < 5; i++) {
			assertThat(get("/open", "alice").getStatusCode()).isEqualTo(HttpStatus.OK);
		}
	}

	@Test
	void thePolicyIsAGateWithAdmittedAndRejectedCounts() {
		get("/api/hello", "carol");
		GateSnapshot snapshot = context.getBean(GateRegistry.class)
			.snapshots()
			.stream()
			.filter((gate) -> gate.kind().equals(RateLimitGate.KIND) && gate.name().equals("api"))
			.findFirst()
			.orElseThrow();
		assertThat(snapshot.limit()).isEqualTo(3);
		assertThat(snapshot.admitted()).isPositive();
		assertThat(context.getBean(MeterRegistry.class).find(GateRegistry.LIMIT_METER).tag("gate", "api").gauge())
			.as("the gate published to the application's meter registry").isNotNull();
		Map<String, Long> rejected = snapshot.rejected();
		assertThat(rejected.keySet()).allMatch((reason) -> reason.equals("rate-limited"));
	}

}

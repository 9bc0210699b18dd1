package dev.fluxgate.sample;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import dev.fluxgate.test.TestServices;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample app on its {@code services} profile: the catalogue in a real PostgreSQL, the counter in a real Redis.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
@ActiveProfiles("services")
class SampleApplicationServicesTests {

	@Autowired
	private WebTestClient client;

	@Autowired
	private ReactiveStringRedisTemplate redis;

	@DynamicPropertySource
	static void services(DynamicPropertyRegistry registry) {
		TestServices.Postgres postgres = TestServices.postgres();
		registry.add("spring.r2dbc.url", postgres::r2dbcUrl);
		registry.add("spring.r2dbc.username", postgres::username);
		registry.add("spring.r2dbc.password", postgres::password);
		registry.add("spring.data.redis.host", () -> TestServices.redis().host());
		registry.add("spring.data.redis.port", () -> TestServices.redis().port());
		registry.add("sample.jobs.welcome-queue", () -> WELCOME_QUEUE);
	}

	/** A queue of this run's own in the shared Redis. */
	private static final String WELCOME_QUEUE = "sample-welcome-" + UUID.randomUUID().toString().substring(0, 8);

	@AfterAll
	static void deleteQueue(@Autowired ReactiveStringRedisTemplate redis) {
		redis.scan(ScanOptions.scanOptions().match("{fluxgate:jobs:" + WELCOME_QUEUE + "}*").build())
			.flatMap(redis::delete)
			.blockLast(Duration.ofSeconds(10));
	}

	@Test
	void welcomeMailIsADurableJobStoredOncePerSignup() {
		long before = welcomed();
		String name = "job-" + UUID.randomUUID().toString().substring(0, 8);
		String job = this.client.post().uri("/signup?name={name}&welcomeMs=10", name).exchange().expectStatus().isOk()
			.expectBody(Map.class).returnResult().getResponseBody().get("welcomeJob").toString();
		// a retried signup request (same idempotency key) stores nothing new
		this.client.post().uri("/signup?name={name}&welcomeMs=10", name).exchange().expectStatus().isOk()
			.expectBody().jsonPath("$.welcomeJob").isEqualTo(job);
		Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> welcomed() == before + 1);
		this.client.get().uri("/actuator/jobs/{queue}", WELCOME_QUEUE).exchange().expectStatus().isOk().expectBody()
			.jsonPath("$.handledHere").isEqualTo(true).jsonPath("$.dead").isEqualTo(0);
	}

	private long welcomed() {
		return ((Number) this.client.get().uri("/signup/welcomed").exchange().expectBody(Map.class).returnResult()
			.getResponseBody().get("welcomed")).longValue();
	}

	@Test
	void catalogComesFromPostgres() {
		this.client.get().uri("/catalog").exchange().expectStatus().isOk().expectBody().jsonPath("$.length()").isEqualTo(3);
	}

	@Test
	void counterIsKeptInRedis() {
		long first = this.client.get().uri("/counter").exchange().expectStatus().isOk().expectBody(Long.class)
			.returnResult().getResponseBody();
		this.client.get().uri("/counter").exchange().expectStatus().isOk().expectBody(Long.class).isEqualTo(first + 1);
	}

	@Test
	void apiBudgetIsKeptInRedis() {
		String key = "sample-" + UUID.randomUUID().toString().substring(0, 8);
		int status = 200;
		for (int i = 0; i < 40 && status == 200; i++) {
			status = this.client.get()
				.uri("/api/quote")
				.header("X-Api-Key", key)
				.exchange()
				.expectHeader()
				.exists("RateLimit")
				.returnResult(String.class)
				.getStatus()
				.value();
		}
		// Budget spent in Redis (keys expire with their window), under the sample's own key prefix.
		assertThat(status).isEqualTo(429);
		assertThat(this.redis.scan(ScanOptions.scanOptions().match("fluxgate-sample:rate-limit:*" + key + "*").build())
			.collectList().block(Duration.ofSeconds(5)))
			.isNotEmpty();
	}

	@Test
	void healthIncludesBothServices() {
		this.client.get()
			.uri("/actuator/health")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.components.r2dbc.status")
			.isEqualTo("UP")
			.jsonPath("$.components.redis.status")
			.isEqualTo("UP");
	}

}

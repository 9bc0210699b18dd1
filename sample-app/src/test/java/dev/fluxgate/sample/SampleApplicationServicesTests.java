package dev.fluxgate.sample;

import dev.fluxgate.test.TestServices;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The sample app on its {@code services} profile: the catalogue in a real PostgreSQL, the counter in a real Redis.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
@ActiveProfiles("services")
class SampleApplicationServicesTests {

	@Autowired
	private WebTestClient client;

	@DynamicPropertySource
	static void services(DynamicPropertyRegistry registry) {
		TestServices.Postgres postgres = TestServices.postgres();
		registry.add("spring.r2dbc.url", postgres::r2dbcUrl);
		registry.add("spring.r2dbc.username", postgres::username);
		registry.add("spring.r2dbc.password", postgres::password);
		registry.add("spring.data.redis.host", () -> TestServices.redis().host());
		registry.add("spring.data.redis.port", () -> TestServices.redis().port());
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

package dev.fluxgate.sample;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample app starts on embedded defaults (no external service) and each client it uses is guarded.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "spring.http.clients.read-timeout=1s")
@AutoConfigureWebTestClient
class SampleApplicationTests {

	@Autowired
	private WebTestClient client;

	@Test
	void helloAnswers() {
		this.client.get().uri("/hello").exchange().expectStatus().isOk().expectBody(String.class).isEqualTo("hello");
	}

	@Test
	void catalogIsReadThroughR2dbc() {
		this.client.get().uri("/catalog").exchange().expectStatus().isOk().expectBody().jsonPath("$.length()").isEqualTo(3);
	}

	@Test
	void fastDependencyAnswers() {
		this.client.get().uri("/dependency?delayMs=10").exchange().expectStatus().isOk();
	}

	@Test
	void hungDependencyFailsAtTheResponseTimeoutInsteadOfHanging() {
		long start = System.nanoTime();
		this.client.mutate()
			.responseTimeout(Duration.ofSeconds(30))
			.build()
			.get()
			.uri("/dependency?delayMs=20000")
			.exchange()
			.expectStatus()
			.is5xxServerError();
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
	}

	@Test
	void effectiveSettingsAreVisibleInTheEnvironmentEndpoint() {
		this.client.get()
			.uri("/actuator/env/spring.http.clients.connect-timeout")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.property.value")
			.isEqualTo("3s")
			.jsonPath("$.property.source")
			.isEqualTo("defaultProperties");
	}

}

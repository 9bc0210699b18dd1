package dev.fluxgate.sample;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.ApplicationContext;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The benchmark's baseline: the same app with {@code fluxgate.enabled=false} starts and serves every main endpoint
 * with plain Spring Boot behaviour.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "fluxgate.enabled=false")
@AutoConfigureWebTestClient
class SampleFluxgateDisabledTests {

	@Autowired
	private WebTestClient client;

	@Autowired
	private ApplicationContext context;

	@Test
	void fluxgateIsOff() {
		assertThat(this.context.getBeanNamesForType(dev.fluxgate.dependency.FluxgateDependencies.class))
			.isEmpty();
		assertThat(this.context.getBeanNamesForType(dev.fluxgate.gate.GateRegistry.class)).isEmpty();
	}

	@Test
	void mainEndpointsAnswer() {
		this.client.get().uri("/hello").exchange().expectStatus().isOk();
		this.client.get().uri("/catalog").exchange().expectStatus().isOk().expectBody().jsonPath("$.length()").isEqualTo(3);
		this.client.get().uri("/dependency?delayMs=10").exchange().expectStatus().isOk();
		this.client.get().uri("/legacy/blocking?ms=10").exchange().expectStatus().isOk();
		this.client.get().uri("/cpu?ms=5").exchange().expectStatus().isOk();
		this.client.get().uri("/work?ms=10").exchange().expectStatus().isOk();
		this.client.post().uri("/signup?name=baseline&welcomeMs=10").exchange().expectStatus().is2xxSuccessful();
		this.client.get().uri("/api/quote").exchange().expectStatus().isOk();
		this.client.get().uri("/api/quote/cached").exchange().expectStatus().isOk();
	}

	@Test
	void nothingIsRateLimitedWithoutFluxgate() {
		for (int i = 0; i < 8; i++) {
			this.client.get()
				.uri("/api/quote")
				.header("X-Api-Key", "baseline")
				.exchange()
				.expectStatus()
				.isOk()
				.expectHeader()
				.doesNotExist("RateLimit");
		}
	}

}

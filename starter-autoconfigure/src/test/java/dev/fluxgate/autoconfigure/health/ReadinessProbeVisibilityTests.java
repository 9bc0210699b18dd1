package dev.fluxgate.autoconfigure.health;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.fluxgate.test.FluxgateTestApplication;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The readiness probe over HTTP shows what plain Boot's shows, the status alone, even when the health endpoint is
 * configured to show details (as the sample application does): probes are often public, and Fluxgate's readiness
 * members must not make them show more.
 */
class ReadinessProbeVisibilityTests {

	@Test
	void readinessShowsOnlyItsStatusLikePlainBootWhileHealthShowsDetails() {
		try (ConfigurableApplicationContext context = start()) {
			WebTestClient client = client(context);
			client.get().uri("/actuator/health/readiness").exchange().expectStatus().isOk().expectBody().json(
					"{\"status\":\"UP\"}", true);
			client.get().uri("/actuator/health").exchange().expectBody().jsonPath("$.components.concurrency.status")
				.isEqualTo("UP");
		}
		try (ConfigurableApplicationContext plainBoot = start("fluxgate.enabled=false")) {
			client(plainBoot).get().uri("/actuator/health/readiness").exchange().expectStatus().isOk().expectBody()
				.json("{\"status\":\"UP\"}", true);
		}
	}

	@Test
	void anApplicationThatConfiguresTheReadinessGroupDecidesWhatItShows() {
		try (ConfigurableApplicationContext context = start(
				"management.endpoint.health.group.readiness.include=readinessState,concurrency",
				"management.endpoint.health.group.readiness.show-components=always")) {
			client(context).get().uri("/actuator/health/readiness").exchange().expectStatus().isOk().expectBody()
				.jsonPath("$.components.concurrency.status").isEqualTo("UP")
				.jsonPath("$.components.readinessState.status").isEqualTo("UP");
		}
	}

	private static ConfigurableApplicationContext start(String... properties) {
		List<String> all = new ArrayList<>(List.of("server.port=0", "spring.main.banner-mode=off",
				"spring.reactor.netty.shutdown-quiet-period=0s", "management.endpoint.health.show-details=always",
				"management.health.redis.enabled=false"));
		all.addAll(List.of(properties));
		return new SpringApplicationBuilder(FluxgateTestApplication.class).web(WebApplicationType.REACTIVE)
			.properties(all.toArray(String[]::new))
			.run();
	}

	private static WebTestClient client(ConfigurableApplicationContext context) {
		return WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port"))
			.responseTimeout(Duration.ofSeconds(20))
			.build();
	}

}

package dev.fluxgate.autoconfigure.server;

import java.time.Duration;

import dev.fluxgate.server.LoadShedder;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Sinks;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.springframework.web.reactive.function.server.RouterFunctions.route;

/**
 * Fixed load shedding on a real server: at the limit, requests get 503 with Retry-After as a problem detail while
 * health checks still answer, and the permits come back.
 */
class LoadSheddingIntegrationTests {

	private static final Sinks.Empty<Void> release = Sinks.empty();

	private static ConfigurableApplicationContext context;

	private static WebClient client;

	@BeforeAll
	static void start() {
		context = new SpringApplicationBuilder(SheddingApp.class)
			// No database and no Redis here: their health checks (a cold H2 connection takes seconds on a busy
			// machine, beyond the health timeout) would turn "health answers while shedding" into a 503.
			.properties("server.port=0", "spring.main.banner-mode=off", "management.health.redis.enabled=false",
					"management.health.r2dbc.enabled=false", "management.endpoint.health.show-components=always",
					"management.endpoints.web.exposure.include=health", "fluxgate.server.concurrency.limit=2",
					"fluxgate.server.concurrency.retry-after=3s")
			.run();
		client = WebClient.create("http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port"));
	}

	@AfterAll
	static void stop() {
		release.tryEmitEmpty();
		if (context != null) {
			context.close();
		}
	}

	@Test
	void atTheLimitRequestsGet503WithRetryAfterWhileHealthStillAnswers() {
		LoadShedder shedder = context.getBean(LoadShedder.class);
		Disposable first = client.get().uri("/hold").retrieve().toBodilessEntity().subscribe();
		Disposable second = client.get().uri("/hold").retrieve().toBodilessEntity().subscribe();
		await().atMost(Duration.ofSeconds(5)).until(() -> shedder.snapshot().inFlight() == 2);

		ResponseEntity<String> shed = get("/quick");
		assertThat(shed.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
		assertThat(shed.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("3");
		assertThat(shed.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(shed.getBody()).contains("\"reason\":\"shed\"").contains("https://fluxgate.dev/problems/shed");
		ResponseEntity<String> health = get("/actuator/health");
		assertThat(health.getStatusCode()).as("health while shedding: %s", health.getBody()).isEqualTo(HttpStatus.OK);
		assertThat(context.getBean(MeterRegistry.class)
			.get("fluxgate.gate.rejected")
			.tag("gate", "server")
			.tag("kind", "shedding")
			.tag("reason", "shed")
			.counter()
			.count()).isEqualTo(1);

		release.tryEmitEmpty();
		await().atMost(Duration.ofSeconds(5)).until(() -> shedder.snapshot().inFlight() == 0);
		assertThat(get("/quick").getStatusCode()).isEqualTo(HttpStatus.OK);
		first.dispose();
		second.dispose();
	}

	private static ResponseEntity<String> get(String uri) {
		return client.get().uri(uri).exchangeToMono((r) -> r.toEntity(String.class)).block(Duration.ofSeconds(10));
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class SheddingApp {

		@Bean
		RouterFunction<ServerResponse> sheddingTestRoutes() {
			return route().GET("/hold", (request) -> release.asMono().then(ServerResponse.ok().bodyValue("held")))
				.GET("/quick", (request) -> ServerResponse.ok().bodyValue("quick"))
				.build();
		}

	}

}

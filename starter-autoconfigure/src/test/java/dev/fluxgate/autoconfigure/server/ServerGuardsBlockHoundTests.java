package dev.fluxgate.autoconfigure.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.fluxgate.eventloop.BlockingDetection;
import dev.fluxgate.server.LoadShedder;
import dev.fluxgate.test.TestServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpStatus;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.springframework.web.reactive.function.server.RouterFunctions.route;

/**
 * Every server-edge guard on its hot paths (deadline expiry and cancellation, header parsing, propagation to
 * WebClient and R2DBC, shedding) runs under BlockHound without a blocking call on an event loop or Reactor thread,
 * as {@link BlockingDetection#recordDuring(Runnable)} records them.
 */
@Tag("blockhound") // installs BlockHound, which is JVM-wide: runs in a JVM of its own (see the parent pom)
class ServerGuardsBlockHoundTests {

	private static final Sinks.Empty<Void> release = Sinks.empty();

	private static DisposableServer downstream;

	private static ConfigurableApplicationContext context;

	private static WebClient client;

	@BeforeAll
	static void start() {
		downstream = HttpServer.create().host("127.0.0.1").port(0)
			.route((routes) -> routes.get("/hang", (request, response) -> Mono.never()))
			.bindNow();
		List<String> properties = new ArrayList<>(List.of(TestServices.postgres().r2dbcProperties()));
		properties.addAll(List.of("server.port=0", "spring.main.banner-mode=off",
				"management.health.redis.enabled=false", "fluxgate.server.request-timeout=1s",
				"fluxgate.server.concurrency.mode=adaptive", "fluxgate.server.concurrency.limit=1",
				"test.downstream=http://127.0.0.1:" + downstream.port()));
		context = new SpringApplicationBuilder(GuardedApp.class).properties(properties.toArray(String[]::new)).run();
		client = WebClient.create("http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port"));
	}

	@AfterAll
	static void stop() {
		release.tryEmitEmpty();
		if (context != null) {
			context.close();
		}
		if (downstream != null) {
			downstream.disposeNow();
		}
	}

	@Test
	void noGuardBlocks() {
		// A test that cannot fail is a defect: prove a blocking call on a Reactor thread is seen.
		assertThat(BlockingDetection.recordDuring(ServerGuardsBlockHoundTests::sleepOnParallelThread))
			.as("BlockHound detects a sleep on a parallel thread")
			.isNotEmpty();
		List<String> blockingCalls = BlockingDetection.recordDuring(() -> {
			assertThat(status("/proxy/hang", "300")).isEqualTo(HttpStatus.GATEWAY_TIMEOUT);
			assertThat(status("/db/sleep", null)).isEqualTo(HttpStatus.GATEWAY_TIMEOUT);
			assertThat(status("/quick", "not-a-number")).isEqualTo(HttpStatus.OK);
			assertThat(status("/quick", "0")).isEqualTo(HttpStatus.GATEWAY_TIMEOUT);

			LoadShedder shedder = context.getBean(LoadShedder.class);
			await().atMost(Duration.ofSeconds(5)).until(() -> shedder.snapshot().inFlight() == 0);
			Disposable held = client.get().uri("/hold").retrieve().toBodilessEntity().subscribe();
			await().atMost(Duration.ofSeconds(5)).until(() -> shedder.snapshot().inFlight() == 1);
			assertThat(status("/quick", null)).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
			release.tryEmitEmpty();
			await().atMost(Duration.ofSeconds(5)).until(() -> shedder.snapshot().inFlight() == 0);
			held.dispose();
		});
		assertThat(blockingCalls).isEmpty();
	}

	private static void sleepOnParallelThread() {
		Mono.delay(Duration.ofMillis(1)).doOnNext((tick) -> {
			try {
				Thread.sleep(1);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}).block(Duration.ofSeconds(5));
	}

	private static HttpStatus status(String uri, String deadlineHeader) {
		return client.get()
			.uri(uri)
			.headers((headers) -> {
				if (deadlineHeader != null) {
					headers.set("X-Request-Timeout-Ms", deadlineHeader);
				}
			})
			.exchangeToMono((response) -> response.releaseBody().thenReturn(response.statusCode()))
			.map((code) -> HttpStatus.valueOf(code.value()))
			.block(Duration.ofSeconds(10));
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class GuardedApp {

		@Bean
		RouterFunction<ServerResponse> guardedRoutes(WebClient.Builder builder, DatabaseClient database,
				Environment environment) {
			WebClient downstreamClient = builder.baseUrl(environment.getProperty("test.downstream")).build();
			return route()
				.GET("/proxy/hang", (request) -> downstreamClient.get().uri("/hang").retrieve()
					.bodyToMono(String.class).flatMap((body) -> ServerResponse.ok().bodyValue(body)))
				.GET("/db/sleep", (request) -> database.sql("SELECT pg_sleep(5)").then()
					.then(ServerResponse.ok().bodyValue("slept")))
				.GET("/hold", (request) -> release.asMono().then(ServerResponse.ok().bodyValue("held")))
				.GET("/quick", (request) -> ServerResponse.ok().bodyValue("quick"))
				.build();
		}

	}

}

package dev.fluxgate.autoconfigure.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import dev.fluxgate.test.TestServices;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.springframework.web.reactive.function.server.RouterFunctions.route;

/**
 * The request deadline reaches R2DBC statements on the real PostgreSQL: a query the request can no longer wait for
 * is cancelled by the database itself and its connection goes back to the pool.
 */
class RequestDeadlineR2dbcIntegrationTests {

	private static final String MARKER = "fluxgate_edge_" + UUID.randomUUID().toString().replace("-", "");

	private static ConfigurableApplicationContext context;

	private static WebClient client;

	@BeforeAll
	static void start() {
		List<String> properties = new ArrayList<>(List.of(TestServices.postgres().r2dbcProperties()));
		properties.addAll(List.of("server.port=0", "spring.main.banner-mode=off",
				"management.health.redis.enabled=false", "spring.r2dbc.pool.max-size=1",
				"spring.r2dbc.pool.initial-size=1", "fluxgate.server.request-timeout=1s"));
		context = new SpringApplicationBuilder(DatabaseApp.class).properties(properties.toArray(String[]::new)).run();
		client = WebClient.create("http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port"));
	}

	@AfterAll
	static void stop() {
		if (context != null) {
			context.close();
		}
	}

	@Test
	void expiredDeadlineCancelsTheQueryInTheDatabaseAndFreesItsConnection() {
		ResponseEntity<String> response = client.get()
			.uri("/db/sleep")
			.exchangeToMono((r) -> r.toEntity(String.class))
			.block(Duration.ofSeconds(10));
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.GATEWAY_TIMEOUT);
		// pg_sleep(10) would still be running for 9 s without the deadline reaching the statement.
		await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> assertThat(activeMarkedQueries()).isZero());
		ConnectionPool pool = context.getBean(ConnectionPool.class);
		await().atMost(Duration.ofSeconds(3))
			.untilAsserted(() -> assertThat(pool.getMetrics().get().acquiredSize()).isZero());
	}

	@Test
	void theConnectionGetsItsBaseStatementTimeoutBackForWorkWithoutADeadline() {
		client.get().uri("/db/sleep").exchangeToMono((r) -> r.toEntity(String.class)).block(Duration.ofSeconds(10));
		// One pooled connection: this runs on the connection whose timeout the deadline shortened.
		String timeout = context.getBean(DatabaseClient.class)
			.sql("SHOW statement_timeout")
			.map((row) -> row.get(0, String.class))
			.one()
			.block(Duration.ofSeconds(5));
		assertThat(timeout).isEqualTo("10s");
	}

	@Test
	void statementsWithTimeToSpareRunNormally() {
		ResponseEntity<String> response = client.get()
			.uri("/db/quick")
			.exchangeToMono((r) -> r.toEntity(String.class))
			.block(Duration.ofSeconds(10));
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(response.getBody()).isEqualTo("1");
	}

	private static long activeMarkedQueries() {
		TestServices.Postgres postgres = TestServices.postgres();
		ConnectionFactory factory = ConnectionFactories.get(ConnectionFactoryOptions.parse(postgres.r2dbcUrl())
			.mutate()
			.option(ConnectionFactoryOptions.USER, postgres.username())
			.option(ConnectionFactoryOptions.PASSWORD, postgres.password())
			.build());
		return Mono.usingWhen(Mono.from(factory.create()), (Connection connection) -> Flux
			.from(connection.createStatement("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
					+ "AND pid <> pg_backend_pid() AND query LIKE '%" + MARKER + "%'").execute())
			.flatMap((result) -> result.map((row, metadata) -> row.get(0, Long.class)))
			.single(), Connection::close).block(Duration.ofSeconds(5));
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class DatabaseApp {

		@Bean
		RouterFunction<ServerResponse> databaseTestRoutes(DatabaseClient database) {
			return route()
				.GET("/db/sleep", (request) -> database.sql("SELECT pg_sleep(10) /* " + MARKER + " */")
					.then()
					.then(ServerResponse.ok().bodyValue("slept")))
				.GET("/db/quick", (request) -> database.sql("SELECT 1")
					.map((row) -> row.get(0, Integer.class))
					.one()
					.flatMap((one) -> ServerResponse.ok().bodyValue(String.valueOf(one))))
				.build();
		}

	}

}

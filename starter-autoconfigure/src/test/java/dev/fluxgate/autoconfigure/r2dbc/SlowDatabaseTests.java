package dev.fluxgate.autoconfigure.r2dbc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.fluxgate.test.TcpProxy;
import dev.fluxgate.test.TestServices;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A slow but working database: PostgreSQL behind a proxy that holds every new connection for 2.5 s before
 * forwarding it, longer than the default {@code max-acquire-time} (1 s) and shorter than the default
 * {@code max-create-connection-time} (20 s). Startup, the first requests and pool growth succeed, as with plain Boot;
 * an exhausted pool still answers a fast 503; each failure names what happened.
 */
class SlowDatabaseTests {

	private static final Duration CONNECT_DELAY = Duration.ofMillis(2500);

	@Test
	void schemaScriptRunsAtStartupAndTheFirstRequestsSucceed(@TempDir Path dir) throws IOException {
		String table = "fluxgate_slow_" + UUID.randomUUID().toString().replace("-", "");
		Path schema = dir.resolve("schema.sql");
		Files.writeString(schema,
				"CREATE TABLE " + table + " (id INT PRIMARY KEY);\nINSERT INTO " + table + " VALUES (1), (2);\n");
		try (TcpProxy proxy = slowProxy();
				ConfigurableApplicationContext context = start(proxy, "spring.sql.init.mode=always",
						"spring.sql.init.schema-locations=file:" + schema, "test.table=" + table)) {
			// Three at once while the pool warms up to its initial size of 10, one slow connection at a time.
			List<ResponseEntity<String>> responses = Flux.range(0, 3)
				.flatMap((i) -> get(context, "/count"))
				.collectList()
				.block(Duration.ofSeconds(60));
			assertThat(responses).hasSize(3).allSatisfy((response) -> {
				assertThat(response.getStatusCode().value()).isEqualTo(200);
				assertThat(response.getBody()).contains("\"count\":2");
			});
		}
		finally {
			dropTable(table);
		}
	}

	@Test
	void poolGrowsUnderLoadAfterStartup() throws IOException {
		try (TcpProxy proxy = slowProxy();
				ConfigurableApplicationContext context = start(proxy, "spring.r2dbc.pool.initial-size=1",
						"spring.r2dbc.pool.max-size=4")) {
			// Four requests that each hold a connection for a while: three of them wait for a new one.
			List<ResponseEntity<String>> responses = Flux.range(0, 4)
				.flatMap((i) -> get(context, "/sleep?seconds=0.5"))
				.collectList()
				.block(Duration.ofSeconds(60));
			assertThat(responses).hasSize(4)
				.allSatisfy((response) -> assertThat(response.getStatusCode().value()).isEqualTo(200));
			assertThat(context.getBean(ConnectionPool.class).getMetrics().orElseThrow().allocatedSize()).isEqualTo(4);
		}
	}

	@Test
	void exhaustedPoolStillAnswersAFast503NamingTheBusyConnections() throws IOException {
		try (TcpProxy proxy = slowProxy();
				ConfigurableApplicationContext context = start(proxy, "spring.r2dbc.pool.max-size=1")) {
			ConnectionPool pool = context.getBean(ConnectionPool.class);
			Disposable sleeping = get(context, "/sleep?seconds=8").subscribe();
			try {
				await().atMost(Duration.ofSeconds(30))
					.until(() -> pool.getMetrics().orElseThrow().acquiredSize() == 1);
				long start = System.nanoTime();
				client(context).get()
					.uri("/count")
					.exchange()
					.expectStatus()
					.isEqualTo(503)
					.expectHeader()
					.valueEquals("Retry-After", "1")
					.expectHeader()
					.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
					.expectBody()
					.jsonPath("$.reason")
					.isEqualTo("db-pool-exhausted")
					.jsonPath("$.detail")
					.value(String.class, (detail) -> assertThat(detail)
						.contains("within spring.r2dbc.pool.max-acquire-time (1s): all connections are busy")
						.contains("1 of max-size 1 in use"));
				// Two attempts of 1 s; waiting as for a connection being opened would take 20 s or more.
				assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
			}
			finally {
				sleeping.dispose();
			}
		}
	}

	@Test
	void connectionSlowerThanTheCreationTimeIs503DbUnavailable() throws IOException {
		try (TcpProxy proxy = slowProxy();
				ConfigurableApplicationContext context = start(proxy,
						"spring.r2dbc.pool.max-create-connection-time=1s")) {
			client(context).get()
				.uri("/count")
				.exchange()
				.expectStatus()
				.isEqualTo(503)
				.expectHeader()
				.exists("Retry-After")
				.expectBody()
				.jsonPath("$.reason")
				.isEqualTo("db-unavailable")
				.jsonPath("$.detail")
				// the request opens a connection of its own, or (on a busy machine, where the pool's warm-up got there
				// first) waits for the warm-up's: either way the creation timeout bounds it, and the detail says so
				.value(String.class, (detail) -> assertThat(detail).satisfiesAnyOf(
						(text) -> assertThat(text).contains("Opening a new database connection did not complete within "
								+ "spring.r2dbc.pool.max-create-connection-time (1s)"),
						(text) -> assertThat(text).contains("the pool is opening connections but none completed in 1s "
								+ "(spring.r2dbc.pool.max-create-connection-time is 1s)")));
		}
	}

	private static TcpProxy slowProxy() throws IOException {
		TestServices.Postgres postgres = TestServices.postgres();
		return new TcpProxy(postgres.host(), postgres.port(), CONNECT_DELAY);
	}

	private static ConfigurableApplicationContext start(TcpProxy proxy, String... properties) {
		TestServices.Postgres postgres = TestServices.postgres();
		return new SpringApplicationBuilder(QueryApplication.class).web(WebApplicationType.REACTIVE)
			.properties("server.port=0",
					"spring.r2dbc.url=r2dbc:postgresql://127.0.0.1:" + proxy.port() + "/" + postgres.database(),
					"spring.r2dbc.username=" + postgres.username(), "spring.r2dbc.password=" + postgres.password(),
					"test.table=pg_database")
			.properties(properties)
			.run();
	}

	private static Mono<ResponseEntity<String>> get(ConfigurableApplicationContext context, String uri) {
		return WebClient.create(baseUrl(context))
			.get()
			.uri(uri)
			.exchangeToMono((response) -> response.toEntity(String.class));
	}

	private static WebTestClient client(ConfigurableApplicationContext context) {
		return WebTestClient.bindToServer().baseUrl(baseUrl(context)).responseTimeout(Duration.ofSeconds(60)).build();
	}

	private static String baseUrl(ConfigurableApplicationContext context) {
		return "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port");
	}

	static void dropTable(String table) {
		TestServices.Postgres postgres = TestServices.postgres();
		ConnectionFactory direct = ConnectionFactories.get(ConnectionFactoryOptions.parse(postgres.r2dbcUrl())
			.mutate()
			.option(ConnectionFactoryOptions.USER, postgres.username())
			.option(ConnectionFactoryOptions.PASSWORD, postgres.password())
			.build());
		DatabaseClient.create(direct).sql("DROP TABLE IF EXISTS " + table).then().block(Duration.ofSeconds(30));
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	@RestController
	static class QueryApplication {

		private final DatabaseClient databaseClient;

		private final String table;

		QueryApplication(DatabaseClient databaseClient, org.springframework.core.env.Environment environment) {
			this.databaseClient = databaseClient;
			this.table = environment.getRequiredProperty("test.table");
		}

		@GetMapping("/count")
		Mono<Map<String, Object>> count() {
			return this.databaseClient.sql("SELECT count(*) AS count FROM " + this.table).fetch().one();
		}

		@GetMapping("/sleep")
		Mono<Map<String, Object>> sleep(@RequestParam double seconds) {
			return this.databaseClient.sql("SELECT pg_sleep(" + seconds + ") IS NULL AS slept").fetch().one();
		}

	}

}

package dev.fluxgate.autoconfigure.doctor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.fluxgate.test.TestServices;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The doctor, health and capacity check against a real PostgreSQL with a real pool of 2: slow queries
 * ({@code pg_sleep}) hold it while other acquisitions wait, a connection taken and never closed leaks, and 60
 * replicas of a pool of 2 exceed the server's real {@code max_connections}.
 */
@ExtendWith(OutputCaptureExtension.class)
class ConcurrencyDoctorPostgresTests {

	private static final int REPLICAS = 60;

	private static ConfigurableApplicationContext context;

	private static WebClient client;

	/**
	 * How long a slow query holds its connection: far longer than any wait below, so a loaded machine cannot end the
	 * saturation before the doctor has seen it (with 4 s, a busy CI box once did). Each test gives the connections back
	 * by cancelling its holds.
	 */
	private static final int HELD_SECONDS = 30;

	private final List<Disposable> holds = new ArrayList<>();

	@BeforeAll
	static void start() {
		List<String> properties = new ArrayList<>(List.of(TestServices.postgres().r2dbcProperties()));
		properties.addAll(List.of("server.port=0", "spring.r2dbc.pool.max-size=2",
				"spring.r2dbc.pool.max-acquire-time=20s", "management.endpoints.web.exposure.include=health,concurrency",
				"management.endpoint.health.show-details=always", "management.health.redis.enabled=false",
				"fluxgate.health.saturation-window=1s", "fluxgate.doctor.sample-interval=100ms",
				"fluxgate.health.timeout=3s", "fluxgate.capacity.replicas=" + REPLICAS));
		context = new SpringApplicationBuilder(TestApp.class).web(WebApplicationType.REACTIVE)
			.properties(properties.toArray(String[]::new))
			.run();
		String port = context.getEnvironment().getProperty("local.server.port");
		client = WebClient.create("http://127.0.0.1:" + port);
		// The first request creates http.server.requests.active, which tells in-flight requests apart from none.
		health("");
	}

	@AfterAll
	static void stop() {
		if (context != null) {
			context.close();
		}
	}

	@AfterEach
	void release() {
		this.holds.forEach(Disposable::dispose);
		await().atMost(Duration.ofSeconds(15)).until(() -> pool().acquired() == 0 && pool().pending() == 0);
	}

	private static PoolSignal pool() {
		return context.getBean(ConcurrencyDoctor.class)
			.sample()
			.pools()
			.stream()
			.filter((pool) -> pool.type().equals("r2dbc"))
			.findFirst()
			.orElseThrow();
	}

	private static ConnectionFactory connectionFactory() {
		return context.getBean(ConnectionFactory.class);
	}

	private void holdWithSlowQuery(int seconds) {
		this.holds.add(Mono
			.usingWhen(connectionFactory().create(),
					(connection) -> Flux.from(connection.createStatement("SELECT pg_sleep(" + seconds + ")").execute())
						.flatMap((result) -> result.getRowsUpdated())
						.then(),
					Connection::close)
			.subscribe(null, (ex) -> { }));
	}

	private void waitForConnection() {
		this.holds.add(Mono.usingWhen(connectionFactory().create(), (connection) -> Mono.just(1), Connection::close)
			.subscribe(null, (ex) -> { }));
	}

	private static HealthResponse health(String group) {
		return client.get()
			.uri("/actuator/health" + group)
			.exchangeToMono((response) -> response.bodyToMono(new ParameterizedTypeReference<Map<String, Object>>() {
			}).map((body) -> new HealthResponse(response.statusCode().value(), body)))
			.block(Duration.ofSeconds(10));
	}

	@SuppressWarnings("unchecked")
	private static List<Map<String, Object>> findings() {
		Map<String, Object> body = client.get()
			.uri("/actuator/concurrency")
			.retrieve()
			.bodyToMono(new ParameterizedTypeReference<Map<String, Object>>() {
			})
			.block(Duration.ofSeconds(10));
		return (List<Map<String, Object>>) body.get("findings");
	}

	private static List<Object> ids(List<Map<String, Object>> findings) {
		return findings.stream().map((finding) -> finding.get("id")).toList();
	}

	record HealthResponse(int status, Map<String, Object> body) {

		@SuppressWarnings("unchecked")
		Object component(String name) {
			Map<String, Object> components = (Map<String, Object>) this.body.get("components");
			return ((Map<String, Object>) components.get(name)).get("status");
		}

	}

	@Test
	void poolHeldBySlowQueriesWithWaitersIsDiagnosedAsExhaustionNamingMaxSize() {
		holdWithSlowQuery(HELD_SECONDS);
		holdWithSlowQuery(HELD_SECONDS);
		await().atMost(Duration.ofSeconds(15)).until(() -> pool().acquired() == 2);
		waitForConnection();
		waitForConnection();

		await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
			Map<String, Object> finding = findings().stream()
				.filter((candidate) -> "pool.exhausted".equals(candidate.get("id")))
				.findFirst()
				.orElseThrow();
			assertThat(finding.get("severity")).isEqualTo("CRITICAL");
			assertThat(finding.get("advice")).asString().contains("spring.r2dbc.pool.max-size");
			assertThat((Map<String, Object>) finding.get("evidence"))
				.containsEntry("r2dbc.pool.pending{name=connectionFactory}", 2)
				.containsEntry("r2dbc.pool.acquired{name=connectionFactory}", 2);
		});
	}

	@Test
	void sustainedSaturationTakesReadinessOutOfServiceAndBackWhileLivenessStaysUp() {
		// A test before this one may have saturated the pool: start once the window has forgotten it.
		await().atMost(Duration.ofSeconds(30)).until(() -> health("/readiness").status() == 200);
		holdWithSlowQuery(HELD_SECONDS);
		holdWithSlowQuery(HELD_SECONDS);
		await().atMost(Duration.ofSeconds(15)).until(() -> pool().acquired() == 2);
		waitForConnection();

		await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
			HealthResponse readiness = health("/readiness");
			assertThat(readiness.status()).isEqualTo(503);
			// The probe shows only its status, as Boot's does; readinessState is UP, so concurrency made it so.
			assertThat(readiness.body()).containsEntry("status", "OUT_OF_SERVICE");
			assertThat(health("").component("concurrency")).isEqualTo("OUT_OF_SERVICE");
		});
		HealthResponse liveness = health("/liveness");
		assertThat(liveness.status()).isEqualTo(200);
		assertThat(liveness.body()).containsEntry("status", "UP");

		this.holds.forEach(Disposable::dispose);
		await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
			HealthResponse readiness = health("/readiness");
			assertThat(readiness.status()).isEqualTo(200);
			assertThat(readiness.body()).containsEntry("status", "UP");
		});
	}

	@Test
	void healthAnswersWithinItsTimeoutWhileThePoolIsExhausted() {
		holdWithSlowQuery(HELD_SECONDS);
		holdWithSlowQuery(HELD_SECONDS);
		await().atMost(Duration.ofSeconds(15)).until(() -> pool().acquired() == 2);
		waitForConnection();

		long start = System.nanoTime();
		HealthResponse health = health("");
		Duration took = Duration.ofNanos(System.nanoTime() - start);

		assertThat(took).isLessThan(Duration.ofSeconds(3));
		assertThat(health.component("r2dbc")).isEqualTo("UNKNOWN");
		assertThat(health.component("concurrency")).isIn("UP", "OUT_OF_SERVICE");
	}

	@Test
	void connectionsHeldWithNoRequestInFlightAreALeak() {
		List<Connection> leaked = new ArrayList<>();
		this.holds.add(() -> leaked.forEach((connection) -> Mono.from(connection.close()).subscribe()));
		leaked.add(Mono.from(connectionFactory().create()).block(Duration.ofSeconds(5)));

		await().atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(500))
			.untilAsserted(() -> assertThat(ids(findings())).contains("pool.leak-suspected"));
	}

	@Test
	void replicasTimesPoolOverPostgresMaxConnectionsIsACapacityFindingAndAStartupWarning(CapturedOutput output) {
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(output).contains("Fluxgate capacity plan does not fit")
				.contains("spring.r2dbc.pool.max-size"));
		Map<String, Object> finding = findings().stream()
			.filter((candidate) -> "capacity.database-oversubscribed".equals(candidate.get("id")))
			.findFirst()
			.orElseThrow();
		assertThat((Map<String, Object>) finding.get("evidence")).containsEntry("fluxgate.capacity.replicas", REPLICAS)
			.containsKey("max_connections");
		assertThat(finding.get("summary")).asString().contains("PostgreSQL");
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class TestApp {

	}

}

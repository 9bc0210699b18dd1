package dev.fluxgate.autoconfigure;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.fluxgate.autoconfigure.doctor.ConcurrencyDoctor;
import dev.fluxgate.overload.OverloadExceptionHandler;
import dev.fluxgate.test.HungServer;
import dev.fluxgate.test.TcpProxy;
import dev.fluxgate.test.TestServices;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.r2dbc.spi.ConnectionFactories;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.annotation.Order;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.WebExceptionHandler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.springframework.web.reactive.function.server.RouterFunctions.route;

/**
 * The failures Fluxgate's own bounds create land in the overload contract, with real components: a WebClient to a
 * hung server, the real PostgreSQL (a statement timeout, an unreachable database) and the real Redis behind a proxy
 * that is cut. Each kind answers 504 or 503 with a problem detail, is counted by reason, and logs one WARN line per
 * kind without a stack trace; the application's own exception handlers still win.
 */
class DependencyFailureContractTests {

	private static final String KEY = "fluxgate:failure-contract:" + UUID.randomUUID();

	private static HungServer hung;

	private static TcpProxy redisProxy;

	private static int closedPort;

	private static ConfigurableApplicationContext context;

	private static WebClient client;

	private static ListAppender<ILoggingEvent> recorderLog;

	private static ListAppender<ILoggingEvent> allLogs;

	@BeforeAll
	static void start() throws IOException {
		hung = new HungServer();
		TestServices.Redis redis = TestServices.redis();
		redisProxy = new TcpProxy(redis.host(), redis.port());
		closedPort = closedPort();
		List<String> properties = new ArrayList<>(List.of(TestServices.postgres().r2dbcProperties()));
		properties.addAll(List.of("server.port=0", "spring.main.banner-mode=off",
				"management.health.redis.enabled=false", "spring.r2dbc.pool.initial-size=1",
				"spring.r2dbc.pool.max-size=2", "spring.data.redis.host=127.0.0.1",
				"spring.data.redis.port=" + redisProxy.port(), "spring.http.clients.read-timeout=500ms",
				"fluxgate.r2dbc.statement-timeout=300ms", "test.hung=" + hung.url(),
				"test.closed=http://127.0.0.1:" + closedPort,
				"test.closed-r2dbc=r2dbc:postgresql://postgres@127.0.0.1:" + closedPort + "/test"));
		context = new SpringApplicationBuilder(FailingApp.class).properties(properties.toArray(String[]::new)).run();
		client = WebClient.create("http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port"));
		recorderLog = capture("dev.fluxgate.overload");
		allLogs = capture(org.slf4j.Logger.ROOT_LOGGER_NAME);
	}

	@AfterAll
	static void stop() throws IOException {
		if (context != null) {
			context.close();
		}
		if (hung != null) {
			hung.close();
		}
		if (redisProxy != null) {
			redisProxy.close();
		}
	}

	@Test
	void aWebClientResponseTimeoutIsA504DependencyTimeout() {
		long started = System.nanoTime();
		ResponseEntity<Map<String, Object>> response = twiceAnswered("/http/timeout", HttpStatus.GATEWAY_TIMEOUT,
				"dependency-timeout");

		// The 500 ms read timeout ended it, not the 30 s request deadline (a generous bound for a busy machine).
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
		assertThat(response.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isNull();
	}

	@Test
	void anUnreachableHttpDependencyIsA503WithRetryAfter() {
		ResponseEntity<Map<String, Object>> response = twiceAnswered("/http/refused", HttpStatus.SERVICE_UNAVAILABLE,
				"dependency-unavailable");

		assertThat(response.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("5");
	}

	@Test
	void aStatementTimeoutOnTheRealDatabaseIsA504DbStatementTimeout() {
		twiceAnswered("/db/sleep", HttpStatus.GATEWAY_TIMEOUT, "db-statement-timeout");

		// The doctor reads the count: the database is slow or locked, and how to look.
		await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(context.getBean(ConcurrencyDoctor.class)
			.diagnose()
			.block(Duration.ofSeconds(10))
			.findings()).anySatisfy((finding) -> {
				assertThat(finding.resource()).isEqualTo("db-statement-timeout");
				assertThat(finding.advice()).contains("pg_stat_activity", "pg_locks");
			}));
	}

	@Test
	void anUnreachableDatabaseIsA503DbUnavailableWithRetryAfter() {
		ResponseEntity<Map<String, Object>> response = twiceAnswered("/db/unreachable", HttpStatus.SERVICE_UNAVAILABLE,
				"db-unavailable");

		assertThat(response.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("5");
	}

	@Test
	void redisThatIsCutOffIsA503RedisUnavailable() throws IOException {
		assertThat(get("/redis").getStatusCode()).isEqualTo(HttpStatus.OK);
		redisProxy.close();
		// Lettuce notices the closed connection and, while disconnected, rejects commands at once.
		await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertProblem(get("/redis"),
				HttpStatus.SERVICE_UNAVAILABLE, "redis-unavailable"));
		double before = failures("redis-unavailable");
		ResponseEntity<Map<String, Object>> response = get("/redis");

		assertProblem(response, HttpStatus.SERVICE_UNAVAILABLE, "redis-unavailable");
		assertThat(response.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("5");
		assertThat(failures("redis-unavailable")).isEqualTo(before + 1);
		assertOneWarningWithoutStack("redis-unavailable", "/redis");
	}

	@Test
	void theApplicationsControllerAdviceAndExceptionHandlerStillWin() {
		double timeouts = failures("dependency-timeout");
		double unavailable = failures("db-unavailable");

		ResponseEntity<Map<String, Object>> advised = get("/advised/timeout");
		ResponseEntity<Map<String, Object>> local = get("/advised/db-unreachable");

		assertThat(advised.getStatusCode()).isEqualTo(HttpStatus.BAD_GATEWAY);
		assertThat(advised.getBody()).containsEntry("handledBy", "advice");
		assertThat(local.getStatusCode()).isEqualTo(HttpStatus.BAD_GATEWAY);
		assertThat(local.getBody()).containsEntry("handledBy", "exception-handler");
		assertThat(failures("dependency-timeout")).isEqualTo(timeouts);
		assertThat(failures("db-unavailable")).isEqualTo(unavailable);
	}

	@Test
	void theApplicationsOwnWebExceptionHandlerOrderedFirstStillWins() {
		double before = failures("dependency-unavailable");

		ResponseEntity<Map<String, Object>> response = get("/own-handler/refused");

		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.BAD_GATEWAY);
		assertThat(response.getBody()).containsEntry("handledBy", "web-exception-handler");
		assertThat(failures("dependency-unavailable")).isEqualTo(before);
	}

	@Test
	void otherErrorsAreLeftToBoot() {
		ResponseEntity<Map<String, Object>> response = get("/db/syntax-error");

		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR);
		assertThat(response.getHeaders().getContentType()).isNotEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
	}

	/**
	 * Two requests to a path that fails the same way: both answered with the problem, both counted, one WARN.
	 * @return the first response
	 */
	private static ResponseEntity<Map<String, Object>> twiceAnswered(String path, HttpStatus status, String reason) {
		double before = failures(reason);
		ResponseEntity<Map<String, Object>> first = get(path);
		ResponseEntity<Map<String, Object>> second = get(path);

		assertProblem(first, status, reason);
		assertProblem(second, status, reason);
		assertThat(failures(reason)).isEqualTo(before + 2);
		assertOneWarningWithoutStack(reason, path);
		return first;
	}

	private static void assertProblem(ResponseEntity<Map<String, Object>> response, HttpStatus status,
			String reason) {
		assertThat(response.getStatusCode()).isEqualTo(status);
		assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(response.getBody()).containsEntry("reason", reason)
			.containsEntry("type", "https://fluxgate.dev/problems/" + reason)
			.containsEntry("status", status.value());
	}

	/** One WARN line for the kind however many requests failed, no stack trace with it, and none from Boot. */
	private static void assertOneWarningWithoutStack(String reason, String path) {
		List<ILoggingEvent> warnings = events(recorderLog).stream()
			.filter((event) -> event.getLevel() == Level.WARN && event.getFormattedMessage().contains(" " + reason + " "))
			.toList();
		assertThat(warnings).singleElement().satisfies((warning) -> {
			assertThat(warning.getThrowableProxy()).isNull();
			assertThat(warning.getFormattedMessage()).doesNotContain("\n")
				.contains(OverloadExceptionHandler.DEPENDENCY_FAILURES_METER + "{reason=" + reason + "}");
		});
		assertThat(events(allLogs)).filteredOn((event) -> event.getLevel().isGreaterOrEqual(Level.WARN)
				&& event.getThrowableProxy() != null && event.getFormattedMessage().contains(path))
			.isEmpty();
	}

	private static List<ILoggingEvent> events(ListAppender<ILoggingEvent> appender) {
		synchronized (appender) {
			return new ArrayList<>(appender.list);
		}
	}

	private static double failures(String reason) {
		Counter counter = context.getBean(MeterRegistry.class)
			.find(OverloadExceptionHandler.DEPENDENCY_FAILURES_METER)
			.tag("reason", reason)
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

	private static ResponseEntity<Map<String, Object>> get(String path) {
		return client.get()
			.uri(path)
			.exchangeToMono((response) -> response.toEntity(
					new org.springframework.core.ParameterizedTypeReference<Map<String, Object>>() {
					}))
			.block(Duration.ofSeconds(30));
	}

	private static ListAppender<ILoggingEvent> capture(String loggerName) {
		ListAppender<ILoggingEvent> appender = new ListAppender<>();
		appender.start();
		((Logger) LoggerFactory.getLogger(loggerName)).addAppender(appender);
		return appender;
	}

	private static int closedPort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class FailingApp {

		@Bean
		RouterFunction<ServerResponse> failingRoutes(WebClient.Builder builder, DatabaseClient database,
				ReactiveStringRedisTemplate redis, org.springframework.core.env.Environment environment) {
			WebClient hungClient = builder.clone().baseUrl(environment.getProperty("test.hung")).build();
			WebClient closedClient = builder.clone().baseUrl(environment.getProperty("test.closed")).build();
			DatabaseClient unreachable = DatabaseClient
				.create(ConnectionFactories.get(environment.getProperty("test.closed-r2dbc")));
			return route()
				.GET("/http/timeout", (request) -> ok(hungClient.get().uri("/x").retrieve().bodyToMono(String.class)))
				.GET("/http/refused", (request) -> ok(closedClient.get().uri("/x").retrieve().bodyToMono(String.class)))
				.GET("/own-handler/refused",
						(request) -> ok(closedClient.get().uri("/x").retrieve().bodyToMono(String.class)))
				.GET("/db/sleep", (request) -> ok(database.sql("SELECT pg_sleep(5)::text").map((row) -> "slept").one()))
				.GET("/db/syntax-error", (request) -> ok(database.sql("SELEC 1").map((row) -> "never").one()))
				.GET("/db/unreachable", (request) -> ok(unreachable.sql("SELECT 1").map((row) -> "one").one()))
				.GET("/redis", (request) -> ok(redis.opsForValue().get(KEY).defaultIfEmpty("absent")))
				.build();
		}

		private static Mono<ServerResponse> ok(Mono<String> body) {
			return body.flatMap((value) -> ServerResponse.ok().bodyValue(Map.of("value", value)));
		}

		@Bean
		AdvisedController advisedController(WebClient.Builder builder, org.springframework.core.env.Environment environment) {
			return new AdvisedController(builder.clone().baseUrl(environment.getProperty("test.hung")).build(),
					DatabaseClient.create(ConnectionFactories.get(environment.getProperty("test.closed-r2dbc"))));
		}

		@Bean
		AdvisedControllerAdvice advisedControllerAdvice() {
			return new AdvisedControllerAdvice();
		}

		@Bean
		@Order(-3)
		WebExceptionHandler ownWebExceptionHandler() {
			return (exchange, ex) -> {
				if (!exchange.getRequest().getPath().value().startsWith("/own-handler/")) {
					return Mono.error(ex);
				}
				exchange.getResponse().setStatusCode(HttpStatus.BAD_GATEWAY);
				exchange.getResponse().getHeaders().setContentType(MediaType.APPLICATION_JSON);
				return exchange.getResponse()
					.writeWith(Mono.just(exchange.getResponse()
						.bufferFactory()
						.wrap("{\"handledBy\":\"web-exception-handler\"}".getBytes())));
			};
		}

	}

	@RestController
	static class AdvisedController {

		private final WebClient hung;

		private final DatabaseClient unreachable;

		AdvisedController(WebClient hung, DatabaseClient unreachable) {
			this.hung = hung;
			this.unreachable = unreachable;
		}

		@GetMapping("/advised/timeout")
		Mono<String> timeout() {
			return this.hung.get().uri("/x").retrieve().bodyToMono(String.class);
		}

		@GetMapping("/advised/db-unreachable")
		Mono<String> databaseUnreachable() {
			return this.unreachable.sql("SELECT 1").map((row) -> "one").one();
		}

		@ExceptionHandler(DataAccessResourceFailureException.class)
		ResponseEntity<Map<String, String>> databaseDown(DataAccessResourceFailureException ex) {
			return ResponseEntity.status(HttpStatus.BAD_GATEWAY).body(Map.of("handledBy", "exception-handler"));
		}

	}

	@RestControllerAdvice(assignableTypes = AdvisedController.class)
	static class AdvisedControllerAdvice {

		@ExceptionHandler(WebClientRequestException.class)
		ResponseEntity<Map<String, String>> clientFailed(WebClientRequestException ex) {
			return ResponseEntity.status(HttpStatus.BAD_GATEWAY).body(Map.of("handledBy", "advice"));
		}

	}

}

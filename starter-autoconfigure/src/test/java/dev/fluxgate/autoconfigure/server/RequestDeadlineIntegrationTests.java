package dev.fluxgate.autoconfigure.server;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.web.reactive.function.server.RouterFunctions.route;

/**
 * The request deadline end to end: a real Fluxgate application (request timeout 1 s) calling a real loopback
 * downstream server.
 */
class RequestDeadlineIntegrationTests {

	private static final String HEADER = "X-Request-Timeout-Ms";

	private static final AtomicReference<CountDownLatch> downstreamClosed = new AtomicReference<>();

	private static final AtomicReference<String> downstreamHeader = new AtomicReference<>();

	private static final AtomicInteger handlerRuns = new AtomicInteger();

	private static DisposableServer downstream;

	private static ConfigurableApplicationContext context;

	private static WebClient client;

	@BeforeAll
	static void start() {
		downstream = HttpServer.create().host("127.0.0.1").port(0).route((routes) -> routes
			.get("/hang", (request, response) -> {
				downstreamHeader.set(request.requestHeaders().get(HEADER));
				CountDownLatch closed = downstreamClosed.get();
				response.withConnection((connection) -> connection.onDispose(closed::countDown));
				return Mono.never();
			})
			.get("/echo", (request, response) -> response
				.sendString(Mono.just(String.valueOf(request.requestHeaders().get(HEADER))))))
			.bindNow();
		context = new SpringApplicationBuilder(DeadlineApp.class).properties("server.port=0",
				"spring.main.banner-mode=off", "management.health.redis.enabled=false",
				"fluxgate.server.request-timeout=1s", "fluxgate.server.deadline.envoy-header=true",
				"fluxgate.server.deadline.excluded-paths=/excluded/**", "test.downstream=http://127.0.0.1:"
						+ downstream.port())
			.run();
		client = WebClient.create("http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port"));
	}

	@AfterAll
	static void stop() {
		if (context != null) {
			context.close();
		}
		if (downstream != null) {
			downstream.disposeNow();
		}
	}

	@BeforeEach
	void reset() {
		downstreamClosed.set(new CountDownLatch(1));
		downstreamHeader.set(null);
	}

	@Test
	void expiredDeadlineAnswers504AndCancelsTheHandlersWebClientCall() throws InterruptedException {
		double before = exceeded("processing", "server");
		// A WebClient that Fluxgate did not customize: only the server's cancellation can end its call.
		ResponseEntity<String> response = get("/plain/hang", null);
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.GATEWAY_TIMEOUT);
		assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(response.getBody()).contains("deadline-exceeded");
		assertThat(downstreamClosed.get().await(5, TimeUnit.SECONDS)).as("downstream connection closed").isTrue();
		assertThat(exceeded("processing", "server")).isEqualTo(before + 1);
	}

	@Test
	void callsThroughTheAutoConfiguredBuilderAreCappedAndForwardTheBudget() throws InterruptedException {
		long start = System.nanoTime();
		ResponseEntity<String> response = get("/proxy/hang", "300");
		long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.GATEWAY_TIMEOUT);
		assertThat(downstreamClosed.get().await(5, TimeUnit.SECONDS)).as("downstream connection closed").isTrue();
		assertThat(Long.parseLong(downstreamHeader.get())).isBetween(1L, 250L);
		// The inbound 300 ms budget, not the 1 s request timeout, ended the call (generous bound).
		assertThat(elapsedMs).isLessThan(1000);
	}

	@Test
	void forwardsWhatRemainsOfTheRequestTimeoutMinusTheMargin() {
		ResponseEntity<String> response = get("/proxy/echo", null);
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(Long.parseLong(response.getBody())).isBetween(1L, 950L);
	}

	@Test
	void inboundHeaderShortensTheDeadline() {
		assertThat(get("/sleep?ms=400", null).getStatusCode()).isEqualTo(HttpStatus.OK);
		double byCaller = exceeded("processing", "caller");
		double byServer = exceeded("processing", "server");
		assertThat(get("/sleep?ms=400", "100").getStatusCode()).isEqualTo(HttpStatus.GATEWAY_TIMEOUT);
		// The caller's own deadline expired, not the server's request timeout.
		assertThat(exceeded("processing", "caller")).isEqualTo(byCaller + 1);
		assertThat(exceeded("processing", "server")).isEqualTo(byServer);
	}

	@Test
	void smallestOfRepeatedOrMergedHeaderValuesWins() {
		ResponseEntity<String> repeated = client.get()
			.uri("/sleep?ms=400")
			.header(HEADER, "5000", "100")
			.exchangeToMono((r) -> r.toEntity(String.class))
			.block(Duration.ofSeconds(10));
		assertThat(repeated.getStatusCode()).isEqualTo(HttpStatus.GATEWAY_TIMEOUT);
		assertThat(get("/sleep?ms=400", "5000, 100").getStatusCode()).isEqualTo(HttpStatus.GATEWAY_TIMEOUT);
		assertThat(get("/sleep?ms=400", "soon, 100").getStatusCode()).isEqualTo(HttpStatus.GATEWAY_TIMEOUT);
	}

	@Test
	void inboundHeaderNeverExtendsTheDeadline() {
		assertThat(get("/sleep?ms=1500", "60000").getStatusCode()).isEqualTo(HttpStatus.GATEWAY_TIMEOUT);
	}

	@Test
	void envoyHeaderShortensTheDeadlineWhenEnabled() {
		ResponseEntity<String> response = client.get()
			.uri("/sleep?ms=400")
			.header("x-envoy-expected-rq-timeout-ms", "100")
			.exchangeToMono((r) -> r.toEntity(String.class))
			.block(Duration.ofSeconds(10));
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.GATEWAY_TIMEOUT);
	}

	@Test
	void requestAlreadyLateOnArrivalIsRejectedWithoutRunningTheHandler() {
		double before = exceeded("arrival", "caller");
		int runs = handlerRuns.get();
		ResponseEntity<String> response = get("/count", "0");
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.GATEWAY_TIMEOUT);
		assertThat(response.getBody()).contains("deadline-exceeded");
		assertThat(handlerRuns.get()).isEqualTo(runs);
		assertThat(exceeded("arrival", "caller")).isEqualTo(before + 1);
	}

	@Test
	void malformedHeaderIsIgnored() {
		for (String value : List.of("soon", "", "12ms", "99999999999999999999999")) {
			ResponseEntity<String> response = get("/count", value);
			assertThat(response.getStatusCode()).as(value).isEqualTo(HttpStatus.OK);
		}
	}

	@Test
	void serverSentEventsOutliveTheRequestTimeout() {
		for (MediaType accept : List.of(MediaType.TEXT_EVENT_STREAM, MediaType.ALL)) {
			List<String> events = client.get()
				.uri("/sse")
				.accept(accept)
				.retrieve()
				.bodyToFlux(String.class)
				.collectList()
				.block(Duration.ofSeconds(10));
			assertThat(events).as(accept.toString()).containsExactly("0", "1", "2", "3");
		}
	}

	@Test
	void excludedPathsHaveNoDeadline() {
		assertThat(get("/excluded/sleep?ms=1300", null).getStatusCode()).isEqualTo(HttpStatus.OK);
	}

	private static ResponseEntity<String> get(String uri, String deadlineHeader) {
		return client.get()
			.uri(uri)
			.headers((headers) -> {
				if (deadlineHeader != null) {
					headers.set(HEADER, deadlineHeader);
				}
			})
			.exchangeToMono((response) -> response.toEntity(String.class))
			.block(Duration.ofSeconds(10));
	}

	private static double exceeded(String phase, String origin) {
		return context.getBean(MeterRegistry.class)
			.get("fluxgate.server.deadline.exceeded")
			.tag("phase", phase)
			.tag("origin", origin)
			.counter()
			.count();
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class DeadlineApp {

		@Bean
		RouterFunction<ServerResponse> deadlineTestRoutes(WebClient.Builder builder,
				org.springframework.core.env.Environment environment) {
			String downstreamUrl = environment.getProperty("test.downstream");
			WebClient customized = builder.baseUrl(downstreamUrl).build();
			WebClient plain = WebClient.create(downstreamUrl);
			return route()
				.GET("/plain/hang", (request) -> plain.get().uri("/hang").retrieve().bodyToMono(String.class)
					.flatMap((body) -> ServerResponse.ok().bodyValue(body)))
				.GET("/proxy/hang", (request) -> customized.get().uri("/hang").retrieve().bodyToMono(String.class)
					.flatMap((body) -> ServerResponse.ok().bodyValue(body)))
				.GET("/proxy/echo", (request) -> customized.get().uri("/echo").retrieve().bodyToMono(String.class)
					.flatMap((body) -> ServerResponse.ok().bodyValue(body)))
				.GET("/sleep", DeadlineApp::sleep)
				.GET("/excluded/sleep", DeadlineApp::sleep)
				.GET("/count", (request) -> {
					handlerRuns.incrementAndGet();
					return ServerResponse.ok().bodyValue("counted");
				})
				.GET("/sse", (request) -> ServerResponse.ok()
					.contentType(MediaType.TEXT_EVENT_STREAM)
					.body(Flux.interval(Duration.ofMillis(400)).take(4).map(String::valueOf), String.class))
				.build();
		}

		private static Mono<ServerResponse> sleep(org.springframework.web.reactive.function.server.ServerRequest request) {
			long ms = Long.parseLong(request.queryParam("ms").orElse("0"));
			return Mono.delay(Duration.ofMillis(ms)).then(ServerResponse.ok().bodyValue("slept"));
		}

	}

}

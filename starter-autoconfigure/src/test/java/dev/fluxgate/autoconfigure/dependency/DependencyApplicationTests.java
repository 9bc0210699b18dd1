package dev.fluxgate.autoconfigure.dependency;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import dev.fluxgate.dependency.FluxgateDependencies;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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
import org.springframework.http.ResponseEntity;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.service.annotation.GetExchange;
import org.springframework.web.service.registry.HttpServiceGroup;
import org.springframework.web.service.registry.ImportHttpServices;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real application calling a real (loopback) dependency two ways: an HTTP service client group and a WebClient
 * from {@link FluxgateDependencies}. The guards apply to both with properties only.
 */
class DependencyApplicationTests {

	private static final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();

	private static final List<Long> budgets = new CopyOnWriteArrayList<>();

	private static DisposableServer dependency;

	private static ConfigurableApplicationContext context;

	private static WebClient client;

	@BeforeAll
	static void start() {
		dependency = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.route((routes) -> routes
				.get("/flaky", (req, res) -> Mono.fromSupplier(() -> count("/flaky"))
					.flatMap((n) -> (n <= 2) ? res.status(HttpResponseStatus.SERVICE_UNAVAILABLE).send().then()
							: res.sendString(Mono.just("recovered")).then()))
				.get("/budget", (req, res) -> Mono.fromSupplier(() -> {
					budgets.add(Long.parseLong(req.requestHeaders().get("X-Request-Timeout-Ms")));
					return count("/budget");
				})
					.flatMap((n) -> (n == 1)
							? Mono.delay(Duration.ofMillis(300))
								.then(res.status(HttpResponseStatus.SERVICE_UNAVAILABLE).send().then())
							: res.sendString(Mono.just("ok")).then()))
				.get("/slow", (req, res) -> Mono.fromSupplier(() -> count("/slow"))
					.then(Mono.delay(Duration.ofSeconds(2)))
					.then(res.sendString(Mono.just("late")).then())))
			.bindNow();
		String url = "http://127.0.0.1:" + dependency.port();
		context = new SpringApplicationBuilder(App.class)
			.properties("server.port=0", "server.address=127.0.0.1", "spring.main.banner-mode=off",
					"spring.http.serviceclient.inventory.base-url=" + url,
					"fluxgate.dependencies.catalog.base-url=" + url,
					"fluxgate.dependencies.catalog.bulkhead.max-concurrent-calls=1",
					"fluxgate.dependencies.catalog.bulkhead.max-queued=0",
					"fluxgate.dependencies.catalog.timeout=5s", "fluxgate.dependencies.catalog.attempt-timeout=5s")
			.run();
		client = WebClient.create("http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port"));
	}

	@AfterAll
	static void stop() {
		context.close();
		dependency.disposeNow(Duration.ofSeconds(5));
	}

	private static int count(String path) {
		return hits.computeIfAbsent(path, (p) -> new AtomicInteger()).incrementAndGet();
	}

	@Test
	void anHttpServiceGroupIsGuardedAsTheDependencyOfTheSameName() {
		Inventory inventory = context.getBean(Inventory.class);
		assertThat(inventory.flaky().block(Duration.ofSeconds(10))).isEqualTo("recovered");
		assertThat(hits.get("/flaky")).hasValue(3);
		CircuitBreakerRegistry breakers = context.getBean(CircuitBreakerRegistry.class);
		assertThat(breakers.find("inventory")).hasValueSatisfying((breaker) -> {
			assertThat(breaker.getCircuitBreakerConfig().getSlidingWindowSize()).isEqualTo(20);
			// one logical call, after its retries
			assertThat(breaker.getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(1);
		});
		assertThat(context.getBean(FluxgateDependencies.class).names()).contains("inventory", "catalog");
	}

	@Test
	void aFullBulkheadAnswers503WithRetryAfterAndAProblem() {
		List<ResponseEntity<String>> responses = Flux.range(0, 3)
			.flatMap((i) -> client.get().uri("/catalog/slow").exchangeToMono((r) -> r.toEntity(String.class)))
			.collectList()
			.block(Duration.ofSeconds(15));
		assertThat(responses).filteredOn((r) -> r.getStatusCode() == HttpStatus.OK).hasSize(1);
		List<ResponseEntity<String>> rejected = responses.stream()
			.filter((r) -> r.getStatusCode() == HttpStatus.SERVICE_UNAVAILABLE)
			.toList();
		assertThat(rejected).hasSize(2).allSatisfy((r) -> {
			assertThat(r.getHeaders().getFirst("Retry-After")).isEqualTo("1");
			assertThat(r.getBody()).contains("bulkhead-full");
		});
		assertThat(hits.get("/slow")).hasValue(1);
	}

	@Test
	void eachAttemptForwardsTheBudgetLeftWhenItIsSent() {
		assertThat(client.get().uri("/catalog/budget").retrieve().bodyToMono(String.class).block(Duration.ofSeconds(15)))
			.isEqualTo("ok");
		// The first attempt took at least 300 ms: the retry must say so, not resend the budget of the first.
		assertThat(budgets).hasSize(2);
		assertThat(budgets.get(1)).isLessThanOrEqualTo(budgets.get(0) - 300);
	}

	interface Inventory {

		@GetExchange("/flaky")
		Mono<String> flaky();

	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	@ImportHttpServices(group = "inventory", types = Inventory.class, clientType = HttpServiceGroup.ClientType.WEB_CLIENT)
	static class App {

		@Bean
		RouterFunction<ServerResponse> routes(FluxgateDependencies dependencies) {
			WebClient catalog = dependencies.webClient("catalog");
			return RouterFunctions.route()
				.GET("/catalog/budget", (request) -> catalog.get()
					.uri("/budget")
					.retrieve()
					.bodyToMono(String.class)
					.flatMap((body) -> ServerResponse.ok().bodyValue(body)))
				.GET("/catalog/slow", (request) -> catalog.get()
					.uri("/slow")
					.retrieve()
					.bodyToMono(String.class)
					.flatMap((body) -> ServerResponse.ok().bodyValue(body)))
				.build();
		}

	}

}

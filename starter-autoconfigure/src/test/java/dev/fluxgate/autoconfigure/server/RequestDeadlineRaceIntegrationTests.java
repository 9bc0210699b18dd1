package dev.fluxgate.autoconfigure.server;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Mono;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Thousands of requests whose caller's deadline is within a few milliseconds of the handler's time, from 8
 * concurrent clients, against reactive and offloaded imperative handlers on a real server: every response must be
 * either the complete 200 or a complete 504 problem detail. A response that hangs (status line and Content-Length,
 * then no body), is cut short, or is a 504 without its body counts as incomplete.
 */
@ExtendWith(OutputCaptureExtension.class)
class RequestDeadlineRaceIntegrationTests {

	private static final String BODY = "0123456789abcdef".repeat(1024);

	private static final int CLIENTS = 8;

	private static final int REQUESTS = 2400;

	private static final int HANDLER_MS = 15;

	@Test
	void everyNearDeadlineResponseIsACompleteAnswer(CapturedOutput output) throws Exception {
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(RaceApp.class)
			.properties("server.port=0", "spring.main.banner-mode=off", "management.health.redis.enabled=false",
					"spring.r2dbc.url=r2dbc:h2:mem:///race")
			.run()) {
			URI base = URI.create("http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port"));
			HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
			Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
			List<String> incomplete = Collections.synchronizedList(new ArrayList<>());
			AtomicInteger next = new AtomicInteger();
			ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
			long stopAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
			List<Future<?>> running = new ArrayList<>();
			for (int i = 0; i < CLIENTS; i++) {
				running.add(clients.submit(() -> {
					int n;
					while ((n = next.getAndIncrement()) < REQUESTS && System.nanoTime() < stopAt) {
						String path = (n % 2 == 0) ? "/race/reactive" : "/race/imperative";
						int budget = HANDLER_MS + ThreadLocalRandom.current().nextInt(-3, 13);
						String outcome = call(client, base.resolve(path + "?ms=" + HANDLER_MS), budget);
						outcomes.computeIfAbsent(outcome.startsWith("incomplete") ? "incomplete" : outcome,
								(key) -> new AtomicInteger())
							.incrementAndGet();
						if (outcome.startsWith("incomplete")) {
							incomplete.add(path + " (budget " + budget + " ms): " + outcome);
						}
					}
					return null;
				}));
			}
			clients.shutdown();
			assertThat(clients.awaitTermination(150, TimeUnit.SECONDS)).as("load finished").isTrue();
			for (Future<?> done : running) {
				done.get();
			}
			int total = outcomes.values().stream().mapToInt(AtomicInteger::get).sum();
			System.out.println("Near-deadline outcomes: " + outcomes);
			assertThat(total).as("requests made: %s", outcomes).isGreaterThan(REQUESTS / 3);
			assertThat(incomplete).as("incomplete responses among %s", outcomes).isEmpty();
			assertThat(outcomes.get("200")).as("complete 200s: %s", outcomes).isNotNull();
			assertThat(outcomes.get("504")).as("complete 504s: %s", outcomes).isNotNull();
			assertThat(output).doesNotContain("already committed").doesNotContain("500 Server Error");
		}
	}

	/** One request, bounded: a response that does not arrive in full within 10 s is a hang. */
	private static String call(HttpClient client, URI uri, int budgetMs) {
		HttpRequest request = HttpRequest.newBuilder(uri)
			.header("X-Request-Timeout-Ms", String.valueOf(budgetMs))
			.timeout(Duration.ofSeconds(10))
			.build();
		CompletableFuture<HttpResponse<String>> pending = client.sendAsync(request,
				HttpResponse.BodyHandlers.ofString());
		HttpResponse<String> response;
		try {
			response = pending.get(10, TimeUnit.SECONDS);
		}
		catch (TimeoutException ex) {
			pending.cancel(true);
			return "incomplete: no complete response within 10 s";
		}
		catch (Exception ex) {
			return "incomplete: " + ex;
		}
		String body = response.body();
		if (response.statusCode() == 200 && BODY.equals(body)) {
			return "200";
		}
		if (response.statusCode() == 504
				&& response.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json")
				&& body.contains("\"reason\":\"deadline-exceeded\"") && body.endsWith("}")) {
			return "504";
		}
		return "incomplete: " + response.statusCode() + " " + response.headers().map() + " body of "
				+ body.length() + " chars";
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	@RestController
	static class RaceApp {

		@GetMapping("/race/reactive")
		Mono<String> reactive(@RequestParam long ms) {
			return Mono.delay(Duration.ofMillis(ms)).map((tick) -> BODY);
		}

		/** Imperative: Fluxgate runs it on its blocking executor, so it commits from a fluxgate-blocking thread. */
		@GetMapping("/race/imperative")
		String imperative(@RequestParam long ms) throws InterruptedException {
			Thread.sleep(ms);
			return BODY;
		}

	}

}

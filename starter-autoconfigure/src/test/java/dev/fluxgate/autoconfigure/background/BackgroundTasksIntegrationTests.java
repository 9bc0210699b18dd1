package dev.fluxgate.autoconfigure.background;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import ch.qos.logback.classic.Level;
import dev.fluxgate.background.BackgroundTasks;
import dev.fluxgate.eventloop.StrictBlockingDetection;
import dev.fluxgate.overload.CapacityExceededException;
import dev.fluxgate.test.LogCapture;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Mono;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Background tasks in a real application: bounded, drained on shutdown within the web server's budget, with what was
 * drained and dropped logged; rejections reported.
 */
@Tag("blockhound") // installs BlockHound, which is JVM-wide: runs in a JVM of its own (see the parent pom)
@ExtendWith(StrictBlockingDetection.class)
class BackgroundTasksIntegrationTests {

	private static final Set<String> ranAfterResponse = ConcurrentHashMap.newKeySet();

	private static final CountDownLatch hanging = new CountDownLatch(1);

	private ConfigurableApplicationContext context;

	@AfterEach
	void close() {
		if (this.context != null) {
			this.context.close();
		}
	}

	@Test
	void queuedTasksAllRunWhenTheContextClosesGracefullyAndTheDrainIsLogged() {
		start("fluxgate.background.concurrency=2", "spring.lifecycle.timeout-per-shutdown-phase=20s");
		BackgroundTasks tasks = this.context.getBean(BackgroundTasks.class);
		AtomicInteger ran = new AtomicInteger();
		// One task runs until the drain has begun, so there is always something to drain.
		CountDownLatch draining = new CountDownLatch(1);
		tasks.submit(() -> {
			await(draining);
			ran.incrementAndGet();
		});
		Thread releaser = new Thread(() -> {
			while (!tasks.isShutdown()) {
				sleep(10);
			}
			draining.countDown();
		});
		releaser.setDaemon(true);
		releaser.start();
		int count = 20;
		for (int i = 1; i < count; i++) {
			tasks.submit(() -> {
				sleep(50);
				ran.incrementAndGet();
			});
		}
		assertThat(ran.get()).isLessThan(count);
		MeterRegistry meters = this.context.getBean(MeterRegistry.class);

		try (LogCapture log = new LogCapture(BackgroundTasks.class)) {
			this.context.close();

			assertThat(ran.get()).isEqualTo(count);
			assertThat(meters.get("fluxgate.background.completed").tag("outcome", "success").counter().count())
				.isEqualTo(count);
			List<String> info = log.messages(Level.INFO);
			assertThat(info).hasSize(2);
			assertThat(info.get(0)).matches("Draining \\d+ background tasks \\(\\d+ running, \\d+ queued\\) within \\d+ ms");
			assertThat(info.get(1)).matches("Drained \\d+ background tasks in \\d+ ms");
			assertThat(log.warnings()).isEmpty();
		}
	}

	@Test
	void aFullQueueRejectsTheTaskVisiblyAndShutdownReportsWhatItDropped() throws Exception {
		start("fluxgate.background.concurrency=1", "fluxgate.background.queue-capacity=1",
				"spring.lifecycle.timeout-per-shutdown-phase=200ms");
		BackgroundTasks tasks = this.context.getBean(BackgroundTasks.class);
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		tasks.submit(() -> {
			started.countDown();
			await(release);
		});
		assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
		tasks.submit(() -> {
		});

		assertThatExceptionOfType(CapacityExceededException.class).isThrownBy(() -> tasks.submit(() -> {
		})).satisfies((ex) -> assertThat(ex.getReason()).isEqualTo("background-full"));
		MeterRegistry meters = this.context.getBean(MeterRegistry.class);
		assertThat(meters.get("fluxgate.gate.rejected").tag("gate", "background").tag("reason", "background-full")
			.counter().count()).isEqualTo(1);

		try (LogCapture log = new LogCapture(BackgroundTasks.class)) {
			this.context.close();
			release.countDown();

			assertThat(log.messages(Level.INFO)).singleElement().asString()
				.startsWith("Draining 2 background tasks (1 running, 1 queued) within ");
			assertThat(log.messages(Level.WARN)).singleElement().asString()
				.contains("dropped 1 queued tasks and interrupted 1 running");
		}
		assertThat(meters.get("fluxgate.background.dropped").counter().count()).isEqualTo(2);
	}

	/**
	 * A request that never ends holds the web server's graceful shutdown for its whole phase timeout; the drain gets
	 * what remains of the same budget instead of a second full phase, so the application stops in about one timeout
	 * (not two), and says what it gave up on.
	 */
	@Test
	void shutdownStaysWithinTheBudgetTheWebServerSharesAndLogsWhatItDropped() throws Exception {
		Duration phase = Duration.ofSeconds(4);
		start("fluxgate.background.concurrency=1", "spring.lifecycle.timeout-per-shutdown-phase=" + phase.toSeconds() + "s");
		String port = this.context.getEnvironment().getProperty("local.server.port");
		HttpClient.newHttpClient()
			.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hang")).build(),
					HttpResponse.BodyHandlers.discarding());
		BackgroundTasks tasks = this.context.getBean(BackgroundTasks.class);
		CountDownLatch started = new CountDownLatch(1);
		tasks.submit(() -> {
			started.countDown();
			sleep(60_000);
		});
		tasks.submit(() -> {
		});
		assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(hanging.await(10, TimeUnit.SECONDS)).isTrue();

		try (LogCapture log = new LogCapture(BackgroundTasks.class)) {
			long start = System.nanoTime();
			this.context.close();
			Duration took = Duration.ofNanos(System.nanoTime() - start);

			// Two phases (web server, then drain) would take 8 s or more.
			assertThat(took).isLessThan(phase.plusSeconds(3));
			assertThat(log.messages(Level.WARN)).singleElement().asString()
				.contains("dropped 1 queued tasks and interrupted 1 running");
		}
	}

	@Test
	void afterResponseTasksRunOnceTheResponseIsSentAndAFullExecutorAnswers503() throws Exception {
		start("fluxgate.background.concurrency=1", "fluxgate.background.queue-capacity=0");
		String port = this.context.getEnvironment().getProperty("local.server.port");
		WebTestClient client = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port)
			.responseTimeout(Duration.ofSeconds(10)).build();
		ranAfterResponse.clear();

		client.get().uri("/signup?user=ada").exchange().expectStatus().isOk().expectBody(String.class)
			.isEqualTo("welcome ada");
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
		while (!ranAfterResponse.contains("ada") && System.nanoTime() < deadline) {
			Thread.sleep(10);
		}
		assertThat(ranAfterResponse).contains("ada");

		BackgroundTasks tasks = this.context.getBean(BackgroundTasks.class);
		CountDownLatch release = new CountDownLatch(1);
		tasks.submit(() -> await(release));
		client.get().uri("/signup?user=bob").exchange().expectStatus().isEqualTo(503).expectHeader()
			.valueEquals("Retry-After", "1");
		release.countDown();
	}

	private void start(String... properties) {
		this.context = new SpringApplicationBuilder(TestApplication.class).web(WebApplicationType.REACTIVE)
			.properties("server.port=0", "spring.main.banner-mode=off",
					"spring.reactor.netty.shutdown-quiet-period=0s")
			.properties(properties)
			.run();
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static void await(CountDownLatch latch) {
		try {
			latch.await(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class TestApplication {

		@Bean
		SimpleMeterRegistry meterRegistry() {
			return new SimpleMeterRegistry();
		}

		@Bean
		SignupController signupController(BackgroundTasks tasks) {
			return new SignupController(tasks);
		}

	}

	@RestController
	static class SignupController {

		private final BackgroundTasks tasks;

		SignupController(BackgroundTasks tasks) {
			this.tasks = tasks;
		}

		@GetMapping("/signup")
		Mono<String> signup(ServerWebExchange exchange) {
			String user = exchange.getRequest().getQueryParams().getFirst("user");
			this.tasks.afterResponse(exchange, () -> ranAfterResponse.add(user));
			return Mono.just("welcome " + user);
		}

		@GetMapping("/hang")
		Mono<String> hang() {
			hanging.countDown();
			return Mono.never();
		}

	}

}

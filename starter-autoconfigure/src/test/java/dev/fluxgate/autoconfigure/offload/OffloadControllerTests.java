package dev.fluxgate.autoconfigure.offload;

import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import dev.fluxgate.eventloop.StrictBlockingDetection;
import dev.fluxgate.gate.GateRegistry;
import dev.fluxgate.gate.GateSnapshot;
import dev.fluxgate.offload.StayOnEventLoop;
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
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Imperative controller methods on a real server: offloaded to the bounded blocking executor, 503 when it is full.
 * Runs under strict blocking detection: the imperative handlers sleep, which would fail if they ran on a loop.
 */
@Tag("blockhound") // installs BlockHound, which is JVM-wide: runs in a JVM of its own (see the parent pom)
@ExtendWith(StrictBlockingDetection.class)
class OffloadControllerTests {

	/** Reactor Netty's event loop count (its default, unless set): every loop must be blocked in the control. */
	private static final int EVENT_LOOPS = Integer.getInteger("reactor.netty.ioWorkerCount",
			Math.max(Runtime.getRuntime().availableProcessors(), 4));

	/** Connections are spread over the loops round-robin: twice as many blocks every loop. */
	private static final int SLEEPERS = 2 * EVENT_LOOPS;

	private static volatile CountDownLatch release = new CountDownLatch(1);

	private static final AtomicInteger sleeping = new AtomicInteger();

	private final HttpClient client = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(5))
		.build();

	private ConfigurableApplicationContext context;

	@AfterEach
	void close() {
		release.countDown();
		if (this.context != null) {
			this.context.close();
		}
	}

	@Test
	void trivialEndpointAnswersWhileImperativeHandlersBlock() throws Exception {
		// Causal, not timed: /hello must answer while every sleeper is still blocked, however slow the machine.
		release = new CountDownLatch(1);
		// The sleepers take every thread of the executor, so the per-method share (which would keep some back) is off.
		start("fluxgate.offload.blocking.threads=" + SLEEPERS, "fluxgate.offload.blocking.method-share=100");
		List<CompletableFuture<HttpResponse<String>>> sleepers = sendConcurrently("/sleep", SLEEPERS);
		awaitGate((gate) -> gate.inFlight() == SLEEPERS);

		for (int i = 0; i < 5; i++) {
			assertThat(get("/hello").statusCode()).isEqualTo(200);
		}
		assertThat(sleepers).as("sleepers still blocked when /hello answered").noneMatch(CompletableFuture::isDone);
		release.countDown();
		for (CompletableFuture<HttpResponse<String>> sleeper : sleepers) {
			assertThat(sleeper.get(10, TimeUnit.SECONDS).body()).startsWith("fluxgate-blocking-");
		}
	}

	@Test
	void withoutOffloadingTheSameLoadStallsTheTrivialEndpoint() throws Exception {
		// The control experiment: Boot's behaviour, the handlers block the event loops until released.
		StrictBlockingDetectionPause pause = new StrictBlockingDetectionPause();
		try {
			release = new CountDownLatch(1);
			sleeping.set(0);
			start("fluxgate.offload.blocking.controllers=false");
			List<CompletableFuture<HttpResponse<String>>> sleepers = sendConcurrently("/sleep", SLEEPERS);
			await().atMost(Duration.ofSeconds(20)).until(() -> sleeping.get() >= EVENT_LOOPS);
			CompletableFuture<HttpResponse<String>> hello = this.client.sendAsync(request("/hello"),
					HttpResponse.BodyHandlers.ofString());
			// Waiting longer can only make a stalled /hello more certain; a busy machine cannot fail this.
			assertThatExceptionOfType(TimeoutException.class).as("/hello while every event loop is blocked")
				.isThrownBy(() -> hello.get(500, TimeUnit.MILLISECONDS));
			release.countDown();
			assertThat(hello.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
			for (CompletableFuture<HttpResponse<String>> sleeper : sleepers) {
				assertThat(sleeper.get(30, TimeUnit.SECONDS).body()).startsWith("reactor-http-");
			}
		}
		finally {
			pause.close();
		}
	}

	@Test
	void fullExecutorAnswers503WithRetryAfterAndRecovers() throws Exception {
		release = new CountDownLatch(1);
		// One method takes all the threads here: the executor's own bound, not the per-method share, is under test.
		start("fluxgate.offload.blocking.threads=2", "fluxgate.offload.blocking.queue-capacity=2",
				"fluxgate.offload.blocking.retry-after=3s", "fluxgate.offload.blocking.method-share=100");
		List<CompletableFuture<HttpResponse<String>>> held = sendConcurrently("/held", 4);
		awaitGate((gate) -> gate.inFlight() == 2 && gate.queued() == 2);

		HttpResponse<String> rejected = get("/held");
		assertThat(rejected.statusCode()).isEqualTo(503);
		assertThat(rejected.headers().firstValue("Retry-After")).hasValue("3");
		assertThat(rejected.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("application/problem+json"));
		assertThat(rejected.body()).contains("\"reason\":\"offload-full\"");
		MeterRegistry meters = this.context.getBean(MeterRegistry.class);
		assertThat(meters.get("fluxgate.gate.rejected").tag("gate", "blocking").tag("reason", "offload-full")
			.counter().count()).isEqualTo(1);

		release.countDown();
		for (CompletableFuture<HttpResponse<String>> response : held) {
			assertThat(response.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
		}
		assertThat(get("/held").statusCode()).isEqualTo(200);
		assertThat(get("/sleep").statusCode()).isEqualTo(200);
	}

	@Test
	void aClientThatGoesAwayWhileQueuedGivesItsQueueSlotBack() throws Exception {
		release = new CountDownLatch(1);
		start("fluxgate.offload.blocking.threads=1", "fluxgate.offload.blocking.queue-capacity=1",
				"fluxgate.offload.blocking.method-share=100");
		CompletableFuture<HttpResponse<String>> running = this.client.sendAsync(request("/held"),
				HttpResponse.BodyHandlers.ofString());
		awaitGate((gate) -> gate.inFlight() == 1);
		String port = this.context.getEnvironment().getProperty("local.server.port");
		try (Socket impatient = new Socket("127.0.0.1", Integer.parseInt(port))) {
			impatient.getOutputStream()
				.write("GET /held HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			impatient.getOutputStream().flush();
			awaitGate((gate) -> gate.queued() == 1);
		}
		awaitGate((gate) -> gate.queued() == 0 && gate.inFlight() == 1);
		// The freed slot admits the next request instead of a 503.
		CompletableFuture<HttpResponse<String>> next = this.client.sendAsync(request("/held"),
				HttpResponse.BodyHandlers.ofString());
		awaitGate((gate) -> gate.queued() == 1);
		release.countDown();
		assertThat(running.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
		assertThat(next.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
	}

	@Test
	void aHammeredBlockingMethodKeepsItsShareAndOtherImperativeMethodsStillGetAThread() throws Exception {
		release = new CountDownLatch(1);
		start("fluxgate.offload.blocking.threads=4", "fluxgate.offload.blocking.method-share=50",
				"fluxgate.offload.blocking.queue-capacity=2");
		// One at a time, each seen by the gate before the next: two hold the method's share, two wait for it.
		List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
		for (int i = 1; i <= 4; i++) {
			held.add(this.client.sendAsync(request("/held"), HttpResponse.BodyHandlers.ofString()));
			int sent = i;
			awaitGate("blocking-methods", (gate) -> gate.inFlight() + gate.queued() == sent);
		}
		awaitGate("blocking-methods", (gate) -> gate.inFlight() == 2 && gate.queued() == 2);
		awaitGate((gate) -> gate.inFlight() == 2 && gate.queued() == 0);

		// Two threads are left for everyone else: an imperative endpoint answers at once, not after /held.
		HttpResponse<String> thread = get("/thread");
		assertThat(thread.statusCode()).isEqualTo(200);
		assertThat(thread.body()).startsWith("fluxgate-blocking-");

		HttpResponse<String> refused = get("/held");
		assertThat(refused.statusCode()).isEqualTo(503);
		assertThat(refused.headers().firstValue("Retry-After")).isPresent();
		assertThat(refused.body()).contains("\"reason\":\"offload-method-busy\"");
		MeterRegistry meters = this.context.getBean(MeterRegistry.class);
		assertThat(meters.get("fluxgate.gate.rejected").tag("gate", "blocking-methods")
			.tag("reason", "offload-method-busy").counter().count()).isEqualTo(1);

		release.countDown();
		for (CompletableFuture<HttpResponse<String>> response : held) {
			assertThat(response.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
		}
		awaitGate("blocking-methods", (gate) -> gate.inFlight() == 0 && gate.queued() == 0);
	}

	@Test
	void annotatedAndExcludedMethodsStayOnTheEventLoop() throws Exception {
		start("fluxgate.offload.blocking.exclude=" + ImperativeController.class.getName() + "#excluded");
		assertThat(get("/thread").body()).startsWith("fluxgate-blocking-");
		assertThat(get("/annotated").body()).startsWith("reactor-http-");
		assertThat(get("/excluded").body()).startsWith("reactor-http-");
		assertThat(get("/reactive").body()).startsWith("reactor-http-");
		HttpResponse<String> echoed = this.client.send(HttpRequest.newBuilder(request("/echo").uri())
			.POST(HttpRequest.BodyPublishers.ofString("payload"))
			.header("Content-Type", "text/plain")
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(echoed.body()).startsWith("fluxgate-blocking-").endsWith(":payload");
	}

	private void start(String... properties) {
		List<String> all = new ArrayList<>(List.of("server.port=0", "spring.main.banner-mode=off",
					"spring.reactor.netty.shutdown-quiet-period=0s"));
		all.addAll(List.of(properties));
		this.context = new SpringApplicationBuilder(TestApplication.class).web(WebApplicationType.REACTIVE)
			.properties(all.toArray(String[]::new))
			.run();
	}

	private HttpResponse<String> get(String path) throws Exception {
		return this.client.send(request(path), HttpResponse.BodyHandlers.ofString());
	}

	private List<CompletableFuture<HttpResponse<String>>> sendConcurrently(String path, int count) {
		List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			responses.add(this.client.sendAsync(request(path), HttpResponse.BodyHandlers.ofString()));
		}
		return responses;
	}

	private HttpRequest request(String path) {
		String port = this.context.getEnvironment().getProperty("local.server.port");
		return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
			.timeout(Duration.ofSeconds(90))
			.build();
	}

	private void awaitGate(java.util.function.Predicate<GateSnapshot> condition) throws InterruptedException {
		awaitGate("blocking", condition);
	}

	private void awaitGate(String name, java.util.function.Predicate<GateSnapshot> condition)
			throws InterruptedException {
		GateRegistry gates = this.context.getBean(GateRegistry.class);
		// Generous: on a loaded machine a burst of new connections can take many seconds to reach the handlers.
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
		GateSnapshot snapshot = offloadGate(gates, name);
		while (!condition.test(snapshot) && System.nanoTime() < deadline) {
			Thread.sleep(10);
			snapshot = offloadGate(gates, name);
		}
		assertThat(snapshot).matches(condition);
	}

	private static GateSnapshot offloadGate(GateRegistry gates, String name) {
		return gates.snapshots()
			.stream()
			.filter((gate) -> gate.kind().equals("offload") && gate.name().equals(name))
			.findFirst()
			.orElseThrow();
	}

	/** Lets the control experiment block event loops on purpose while the class runs in strict mode. */
	private static final class StrictBlockingDetectionPause implements AutoCloseable {

		private final dev.fluxgate.eventloop.BlockingDetectionMode previous = dev.fluxgate.eventloop.BlockingDetection
			.apply(dev.fluxgate.eventloop.BlockingDetectionMode.OFF, null);

		@Override
		public void close() {
			dev.fluxgate.eventloop.BlockingDetection.apply(this.previous, null);
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
		ImperativeController imperativeController() {
			return new ImperativeController();
		}

	}

	@RestController
	static class ImperativeController {

		/** Blocks its thread until the test releases it. */
		@GetMapping("/sleep")
		String sleep() throws InterruptedException {
			sleeping.incrementAndGet();
			release.await(30, TimeUnit.SECONDS);
			return Thread.currentThread().getName();
		}

		@GetMapping("/held")
		String held() throws InterruptedException {
			return String.valueOf(release.await(90, TimeUnit.SECONDS));
		}

		@GetMapping("/hello")
		Mono<String> hello() {
			return Mono.just("hello");
		}

		@GetMapping("/thread")
		String thread() {
			return Thread.currentThread().getName();
		}

		@StayOnEventLoop
		@GetMapping("/annotated")
		String annotated() {
			return Thread.currentThread().getName();
		}

		@GetMapping("/excluded")
		String excluded() {
			return Thread.currentThread().getName();
		}

		@PostMapping("/echo")
		String echo(@RequestBody String body) {
			return Thread.currentThread().getName() + ":" + body;
		}

		@GetMapping("/reactive")
		Mono<String> reactive() {
			return Mono.fromSupplier(() -> Thread.currentThread().getName());
		}

	}

}

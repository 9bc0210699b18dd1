package dev.fluxgate.autoconfigure.offload;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import ch.qos.logback.classic.Level;
import dev.fluxgate.test.LogCapture;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.WebFilter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Clients that go away while their offloaded handler runs: the cancel interrupts the handler, which is counted and
 * logged at DEBUG, never as Reactor's ERROR "Operator called default onErrorDropped" with a stack trace per request.
 * The application's own dropped errors are still reported as before.
 */
class OffloadCancellationTests {

	private static final String OPERATORS_LOGGER = "reactor.core.publisher.Operators";

	private static final AtomicInteger started = new AtomicInteger();

	private ConfigurableApplicationContext context;

	private LogCapture reactorLog;

	private LogCapture fluxgateLog;

	@BeforeEach
	void start() {
		this.context = new SpringApplicationBuilder(TestApplication.class).web(WebApplicationType.REACTIVE)
			.properties("server.port=0", "spring.main.banner-mode=off", "spring.reactor.netty.shutdown-quiet-period=0s")
			.run();
		this.reactorLog = new LogCapture(OPERATORS_LOGGER, null);
		this.fluxgateLog = new LogCapture("dev.fluxgate.offload", Level.DEBUG);
	}

	@AfterEach
	void stop() {
		this.reactorLog.close();
		this.fluxgateLog.close();
		this.context.close();
	}

	@Test
	void clientsThatCancelOffloadedHandlersAreCountedAndLoggedAtDebugOnly() throws Exception {
		int cancels = 5;
		MeterRegistry meters = this.context.getBean(MeterRegistry.class);
		for (int i = 1; i <= cancels; i++) {
			int startedBefore = started.get();
			try (Socket socket = new Socket("127.0.0.1", port())) {
				OutputStream out = socket.getOutputStream();
				out.write("GET /sleep HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
				out.flush();
				await().atMost(Duration.ofSeconds(20)).until(() -> started.get() > startedBefore);
			}
			int expected = i;
			await().atMost(Duration.ofSeconds(20)).until(() -> cancelled(meters) == expected);
		}
		await().atMost(Duration.ofSeconds(20))
			.until(() -> this.fluxgateLog.messages(Level.DEBUG)
				.stream()
				.filter((message) -> message.contains("InterruptedException"))
				.count() == cancels);

		assertThat(this.reactorLog.at(Level.ERROR)).isEmpty();
		assertThat(cancelled(meters)).isEqualTo(cancels);
		assertThat(this.fluxgateLog.events()).allSatisfy((event) -> assertThat(event.getThrowableProxy()).isNull());
	}

	@Test
	void theApplicationsOwnDroppedErrorsAreStillReported() {
		WebTestClient client = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port()).build();
		client.get().uri("/drops-its-own-error").exchange().expectStatus().isOk();

		assertThat(this.reactorLog.messages(Level.ERROR)).containsExactly("Operator called default onErrorDropped");
	}

	private static double cancelled(MeterRegistry meters) {
		return meters.get("fluxgate.offload.cancelled").tag("gate", "blocking").counter().count();
	}

	private int port() {
		return Integer.parseInt(this.context.getEnvironment().getProperty("local.server.port"));
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class TestApplication {

		@Bean
		SimpleMeterRegistry meterRegistry() {
			return new SimpleMeterRegistry();
		}

		@Bean
		SleepingController sleepingController() {
			return new SleepingController();
		}

		/** An application filter with its own timeout: an operator the interrupted handler's error reaches. */
		@Bean
		WebFilter applicationTimeoutFilter() {
			return (exchange, chain) -> chain.filter(exchange).timeout(Duration.ofMinutes(5));
		}

	}

	@RestController
	static class SleepingController {

		@GetMapping("/sleep")
		String sleep() throws InterruptedException {
			started.incrementAndGet();
			Thread.sleep(60_000);
			return "woke up";
		}

		@GetMapping("/drops-its-own-error")
		Mono<String> dropsItsOwnError() {
			return Mono.deferContextual((context) -> {
				Operators.onErrorDropped(new IllegalStateException("the application's own"), Context.of(context));
				return Mono.just("ok");
			});
		}

	}

}

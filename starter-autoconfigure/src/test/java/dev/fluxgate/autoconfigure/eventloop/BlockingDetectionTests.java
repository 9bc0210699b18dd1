package dev.fluxgate.autoconfigure.eventloop;

import java.time.Duration;
import java.util.List;

import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.fluxgate.eventloop.BlockingDetection;
import dev.fluxgate.eventloop.BlockingDetectionMode;
import dev.fluxgate.test.LogCapture;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code fluxgate.blocking-detection.mode} on a real server, with a handler that sleeps on the event loop.
 */
@Tag("blockhound") // installs BlockHound, which is JVM-wide: runs in a JVM of its own (see the parent pom)
class BlockingDetectionTests {

	private ConfigurableApplicationContext context;

	@AfterEach
	void close() {
		if (this.context != null) {
			this.context.close();
		}
		assertThat(BlockingDetection.mode()).isEqualTo(BlockingDetectionMode.OFF);
	}

	@Test
	void strictModeFailsAHandlerThatSleepsOnTheEventLoop() {
		start("strict");
		client().get().uri("/sleep-on-loop").exchange().expectStatus().is5xxServerError();
		client().get().uri("/offloaded").exchange().expectStatus().isOk();
	}

	@Test
	void warnModeLetsTheCallRunAndLogsEachCallSiteOnce() {
		start("warn");
		try (LogCapture log = new LogCapture(BlockingDetection.class)) {
			for (int i = 0; i < 3; i++) {
				client().get().uri("/sleep-on-loop").exchange().expectStatus().isOk();
			}
			List<ILoggingEvent> warnings = log.warnings();
			assertThat(warnings).hasSize(1);
			assertThat(warnings.get(0).getFormattedMessage()).contains("java.lang.Thread.sleep")
				.contains(BlockingController.class.getName());
			MeterRegistry meters = this.context.getBean(MeterRegistry.class);
			// The JDK's own name for the sleeping method varies (Thread.sleep on 17, Thread.sleepNanos0 on 25).
			assertThat(meters.get("fluxgate.blocking.calls").counters())
				.singleElement()
				.satisfies((counter) -> {
					assertThat(counter.getId().getTag("method")).startsWith("java.lang.Thread.sleep");
					assertThat(counter.count()).isEqualTo(3);
				});
		}
	}

	@Test
	void offModeChecksNothing() {
		start("off");
		client().get().uri("/sleep-on-loop").exchange().expectStatus().isOk();
		assertThat(this.context.getBean(MeterRegistry.class).find("fluxgate.blocking.calls").counter()).isNull();
	}

	private void start(String mode) {
		this.context = new SpringApplicationBuilder(TestApplication.class).web(WebApplicationType.REACTIVE)
			.properties("server.port=0", "spring.main.banner-mode=off",
					"spring.reactor.netty.shutdown-quiet-period=0s", "fluxgate.blocking-detection.mode=" + mode)
			.run();
	}

	private WebTestClient client() {
		String port = this.context.getEnvironment().getProperty("local.server.port");
		return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(10))
			.build();
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class TestApplication {

		@Bean
		SimpleMeterRegistry meterRegistry() {
			return new SimpleMeterRegistry();
		}

		@Bean
		BlockingController blockingController() {
			return new BlockingController();
		}

	}

	@RestController
	static class BlockingController {

		/** Reactive signature, so WebFlux runs it on the event loop, where the sleep is a bug. */
		@GetMapping("/sleep-on-loop")
		Mono<String> sleepOnLoop() {
			return Mono.fromCallable(() -> {
				Thread.sleep(5);
				return "slept";
			});
		}

		/** Imperative: Fluxgate runs it on the blocking executor, where sleeping is allowed. */
		@GetMapping("/offloaded")
		String offloaded() throws InterruptedException {
			Thread.sleep(5);
			return "slept";
		}

	}

}

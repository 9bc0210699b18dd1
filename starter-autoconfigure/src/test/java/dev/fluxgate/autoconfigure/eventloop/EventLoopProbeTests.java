package dev.fluxgate.autoconfigure.eventloop;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.fluxgate.eventloop.EventLoopProbe;
import dev.fluxgate.test.LogCapture;
import dev.fluxgate.test.TestServices;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.util.concurrent.EventExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.netty.resources.LoopResources;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.client.ReactorResourceFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lag probe and stall watchdog on a real server's event loops, with blocks injected on one loop.
 */
class EventLoopProbeTests {

	private ConfigurableApplicationContext context;

	private LogCapture log;

	@AfterEach
	void close() {
		if (this.log != null) {
			this.log.close();
		}
		if (this.context != null) {
			this.context.close();
		}
	}

	@Test
	void blocksShowAsLagAndALongOneWarnsOnceWithTheBlockingStack() throws Exception {
		start();
		MeterRegistry meters = this.context.getBean(MeterRegistry.class);
		EventExecutor loop = serverLoops().iterator().next();
		String loopName = loop.submit(() -> Thread.currentThread().getName()).get(5, TimeUnit.SECONDS);
		await(() -> lag(meters, loopName) != null, "the probe has measured " + loopName);

		loop.execute(() -> sleep(300));
		// The probe task lands somewhere in the block: its lag is 300 ms less up to one interval (50 ms) and jitter.
		await(() -> lag(meters, loopName).max(TimeUnit.MILLISECONDS) >= 150, "a lag of at least 150 ms");
		assertThat(meters.get("fluxgate.eventloop.stalls").tag("loop", loopName).counter().count()).isZero();
		assertThat(meters.get("fluxgate.eventloop.stall.duration").tag("loop", loopName).gauge().value()).isZero();
		assertThat(this.log.warnings()).isEmpty();

		loop.execute(EventLoopProbeTests::blockTheLoopForTwoSeconds);
		await(() -> lag(meters, loopName).max(TimeUnit.MILLISECONDS) >= 1500, "the stalled probe to have run");

		List<ILoggingEvent> warnings = this.log.warnings();
		assertThat(warnings).hasSize(1);
		assertThat(warnings.get(0).getFormattedMessage()).contains(loopName).contains("has not run a task");
		assertThat(LogCapture.stackOf(warnings.get(0))).contains("blockTheLoopForTwoSeconds")
			.contains("java.lang.Thread.sleep");
		assertThat(meters.get("fluxgate.eventloop.stalls").tag("loop", loopName).counter().count()).isEqualTo(1);
	}

	@Test
	void aLoopThatKeepsStallingIsCountedEveryTimeButWarnedAboutOncePerInterval() throws Exception {
		start("fluxgate.event-loop.stall-threshold=300ms");
		MeterRegistry meters = this.context.getBean(MeterRegistry.class);
		EventExecutor loop = serverLoops().iterator().next();
		String loopName = loop.submit(() -> Thread.currentThread().getName()).get(5, TimeUnit.SECONDS);
		await(() -> lag(meters, loopName) != null, "the probe has measured " + loopName);

		for (int i = 0; i < 3; i++) {
			loop.submit(() -> sleep(700)).get(5, TimeUnit.SECONDS);
			Thread.sleep(200);
		}
		await(() -> meters.find("fluxgate.eventloop.stalls").tag("loop", loopName).counter() != null
				&& meters.get("fluxgate.eventloop.stalls").tag("loop", loopName).counter().count() == 3,
				"three stalls counted");
		assertThat(this.log.warnings()).hasSize(1);
	}

	@Test
	void lettuceEventLoopsAreProbedToo() throws Exception {
		start(TestServices.redis().properties());
		MeterRegistry meters = this.context.getBean(MeterRegistry.class);
		String pong = this.context.getBean(ReactiveStringRedisTemplate.class).execute((connection) -> connection.ping())
			.blockFirst(Duration.ofSeconds(5));
		assertThat(pong).isEqualTo("PONG");
		await(() -> meters.find("fluxgate.eventloop.lag").tag("group", "lettuce").timer() != null,
				"a lag measured on a Lettuce event loop");
		await(() -> !meters.find("fluxgate.eventloop.lag").tag("group", "reactor-netty").timers().isEmpty(),
				"a lag measured on a Reactor Netty event loop");
	}

	@Test
	void probeThreadEndsWithTheContext() throws Exception {
		start();
		assertThat(probeThreadAlive()).isTrue();
		this.context.close();
		this.context = null;
		await(() -> !probeThreadAlive(), "the probe thread to end");
	}

	private static boolean probeThreadAlive() {
		return Thread.getAllStackTraces().keySet().stream()
			.anyMatch((thread) -> thread.getName().equals("fluxgate-eventloop-probe") && thread.isAlive());
	}

	private static void blockTheLoopForTwoSeconds() {
		sleep(2000);
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static Timer lag(MeterRegistry meters, String loop) {
		return meters.find("fluxgate.eventloop.lag").tag("loop", loop).timer();
	}

	private Iterable<EventExecutor> serverLoops() {
		return this.context.getBean(ReactorResourceFactory.class).getLoopResources()
			.onServer(LoopResources.DEFAULT_NATIVE);
	}

	private void start(String... properties) {
		this.context = new SpringApplicationBuilder(TestApplication.class).web(WebApplicationType.REACTIVE)
			.properties("server.port=0", "spring.main.banner-mode=off",
					"spring.reactor.netty.shutdown-quiet-period=0s", "fluxgate.event-loop.interval=50ms")
			.properties(properties)
			.run();
		this.log = new LogCapture(EventLoopProbe.class);
	}

	private static void await(BooleanSupplier condition, String what) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (!condition.getAsBoolean()) {
			assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
			Thread.sleep(20);
		}
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class TestApplication {

		@Bean
		SimpleMeterRegistry meterRegistry() {
			return new SimpleMeterRegistry();
		}

	}

}

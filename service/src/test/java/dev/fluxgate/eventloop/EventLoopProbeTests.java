package dev.fluxgate.eventloop;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

class EventLoopProbeTests {

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final DefaultEventLoopGroup loops = new DefaultEventLoopGroup(2);

	private final ListAppender<ILoggingEvent> log = new ListAppender<>();

	private final EventLoopProbe probe = new EventLoopProbe(
			new EventLoopProbeSettings(Duration.ofMillis(20), Duration.ofMillis(300), Duration.ofSeconds(30)),
			this.registry, () -> Map.of("test", this.loops));

	@AfterEach
	void close() {
		this.probe.close();
		((Logger) LoggerFactory.getLogger(EventLoopProbe.class)).detachAppender(this.log);
		this.loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
	}

	@Test
	void everyLoopIsProbedAndRepeatedStallsAreCountedButWarnedOnce() throws Exception {
		this.log.start();
		((Logger) LoggerFactory.getLogger(EventLoopProbe.class)).addAppender(this.log);
		this.probe.start();
		assertThat(this.probe.loopCount()).isEqualTo(2);
		EventExecutor loop = this.loops.next();
		String name = loop.submit(() -> Thread.currentThread().getName()).get(5, TimeUnit.SECONDS);
		awaitTrue(() -> this.registry.find("fluxgate.eventloop.lag").timers().size() == 2);

		for (int i = 0; i < 2; i++) {
			loop.submit(() -> sleep(600)).get(5, TimeUnit.SECONDS);
			Thread.sleep(100);
		}
		awaitTrue(() -> this.registry.find("fluxgate.eventloop.stalls").tag("loop", name).counter() != null
				&& this.registry.find("fluxgate.eventloop.stalls").tag("loop", name).counter().count() == 2);

		List<ILoggingEvent> warnings = this.log.list.stream().filter((e) -> e.getLevel() == Level.WARN).toList();
		assertThat(warnings).hasSize(1);
		assertThat(warnings.get(0).getFormattedMessage()).contains(name);
		assertThat(this.registry.get("fluxgate.eventloop.stalls").tag("loop", name).tag("group", "test").counter()
			.count()).isEqualTo(2);
		assertThat(this.registry.get("fluxgate.eventloop.lag").tag("loop", name).timer().max(TimeUnit.MILLISECONDS))
			.isGreaterThan(300);
	}

	@Test
	void closeStopsTheProbeThread() throws Exception {
		this.probe.start();
		assertThat(this.probe.isRunning()).isTrue();
		this.probe.close();
		assertThat(this.probe.isRunning()).isFalse();
		awaitTrue(() -> Thread.getAllStackTraces().keySet().stream()
			.noneMatch((t) -> t.getName().equals("fluxgate-eventloop-probe") && t.isAlive()));
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (!condition.getAsBoolean()) {
			assertThat(System.nanoTime()).isLessThan(deadline);
			Thread.sleep(10);
		}
	}

}

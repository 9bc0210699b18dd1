package dev.fluxgate.autoconfigure.doctor;

import dev.fluxgate.doctor.Finding;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import dev.fluxgate.eventloop.BlockingDetection;
import dev.fluxgate.eventloop.EventLoopProbe;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The meter names other work publishes are read as signals: this is the contract the event-loop probe and the
 * blocking detector plug into.
 */
class MeterSignalsTests {

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final MeterSignals signals = new MeterSignals(this.registry);

	@Test
	void eventLoopLagPendingTasksAndStallsAreReadPerLoop() {
		Timer lag = Timer.builder(EventLoopProbe.LAG_METER)
			.tag("loop", "reactor-http-epoll-1")
			.publishPercentiles(0.99)
			.register(this.registry);
		for (int i = 0; i < 100; i++) {
			lag.record(Duration.ofMillis(700));
		}
		AtomicInteger pending = new AtomicInteger(400);
		Gauge.builder("reactor.netty.eventloop.pending.tasks", pending, AtomicInteger::get)
			.tag("name", "reactor-http-epoll-1")
			.register(this.registry);
		this.registry.counter(EventLoopProbe.STALLS_METER, "loop", "reactor-http-epoll-1").increment(2);
		Gauge.builder(EventLoopProbe.STALL_DURATION_METER, () -> 3.0).tag("loop", "reactor-http-epoll-1")
			.register(this.registry);
		Gauge.builder(EventLoopProbe.STALL_DURATION_METER, () -> 0.0).tag("loop", "reactor-http-epoll-2")
			.register(this.registry);

		List<EventLoopSignal> loops = this.signals.eventLoops();

		assertThat(loops).singleElement().satisfies((loop) -> {
			assertThat(loop.name()).isEqualTo("reactor-http-epoll-1");
			assertThat(loop.lagP99Millis()).isBetween(650.0, 750.0);
			assertThat(loop.lagMaxMillis()).isEqualTo(700.0);
			assertThat(loop.pendingTasks()).isEqualTo(400.0);
			assertThat(loop.stalls()).isEqualTo(2L);
		});
		// One loop still runs, so there is no total stall.
		assertThat(this.signals.totalStall()).contains(Duration.ZERO);

		Signals sample = new Signals(Instant.now(), 1.0, List.of(), List.of(), loops, List.of(), List.of(), null);
		assertThat(Diagnosis.diagnose(List.of(sample), DiagnosisSettings.DEFAULTS, null)).extracting(Finding::id)
			.containsExactly("eventloop.stalled", "eventloop.overloaded");
	}

	@Test
	void totalStallCountsOnlyTheHttpLoopsNotIdleLettuceLoops() {
		Gauge.builder(EventLoopProbe.STALL_DURATION_METER, () -> 7.5)
			.tags("group", "reactor-netty", "loop", "reactor-http-epoll-1")
			.register(this.registry);
		Gauge.builder(EventLoopProbe.STALL_DURATION_METER, () -> 7.0)
			.tags("group", "reactor-netty", "loop", "reactor-http-epoll-2")
			.register(this.registry);
		Gauge.builder(EventLoopProbe.STALL_DURATION_METER, () -> 0.0)
			.tags("group", "lettuce", "loop", "lettuce-epollEventLoop-4-1")
			.register(this.registry);

		assertThat(this.signals.totalStall()).contains(Duration.ofMillis(7000));
	}

	@Test
	void blockingDetectionsTimeoutsAndRetriesAreReadFromTheirMeters() {
		this.registry.counter(BlockingDetection.CALLS_METER, "method", "java.lang.Thread.sleep").increment(3);
		this.registry.timer(MeterSignals.R2DBC_ACQUIRE, "name", "connectionFactory", "outcome", "timeout")
			.record(Duration.ofSeconds(2));
		this.registry.counter(MeterSignals.DEADLINE_EXCEEDED, "phase", "processing", "origin", "server").increment();
		// Every 504 is in Boot's timer, including dependency timeouts that have their own count: not read.
		this.registry.timer("http.server.requests", "status", "504", "uri", "/slow").record(Duration.ofSeconds(1));
		this.registry.counter("resilience4j.retry.calls", "kind", "successful_with_retry", "name", "catalog")
			.increment(5);

		assertThat(this.signals.detections()).containsExactly(new BlockingSignal("java.lang.Thread.sleep", 3));
		assertThat(this.signals.timeouts()).extracting(TimeoutSignal::source, TimeoutSignal::count)
			.containsExactly(org.assertj.core.groups.Tuple.tuple("r2dbc-acquire", 1L),
					org.assertj.core.groups.Tuple.tuple("server-deadline", 1L),
					org.assertj.core.groups.Tuple.tuple("resilience4j", 5L));

		Signals sample = new Signals(Instant.now(), 1.0, List.of(), List.of(), List.of(), this.signals.detections(),
				this.signals.timeouts(), null);
		List<Finding> findings = Diagnosis.diagnose(List.of(sample), DiagnosisSettings.DEFAULTS, null);
		assertThat(findings).extracting(Finding::id)
			.containsExactly("blocking.detected", "retries", "timeouts", "timeouts");
		assertThat(findings).filteredOn((finding) -> finding.resource().equals("r2dbc-acquire"))
			.singleElement()
			.satisfies((finding) -> assertThat(finding.advice()).contains("spring.r2dbc.pool.max-acquire-time"));
	}

	@Test
	void anHttpClientPoolIsNamedByTheAddressItConnectsToAndItsProvider() {
		Gauge.builder("reactor.netty.connection.provider.max.connections", () -> 64)
			.tags("name", "fluxgate", "remote.address", "127.0.0.1:8080")
			.register(this.registry);
		Gauge.builder("reactor.netty.connection.provider.active.connections", () -> 3)
			.tags("name", "fluxgate", "remote.address", "127.0.0.1:8080")
			.register(this.registry);

		assertThat(this.signals.httpClientPools("fluxgate.http-client.pool.max-connections")).singleElement()
			.satisfies((pool) -> {
				assertThat(pool.name()).isEqualTo("127.0.0.1:8080 (fluxgate)");
				assertThat(pool.max()).isEqualTo(64);
				assertThat(pool.acquired()).isEqualTo(3);
			});
	}

	@Test
	void noMetersMeansNoSignals() {
		assertThat(this.signals.eventLoops()).isEmpty();
		assertThat(this.signals.totalStall()).isEmpty();
		assertThat(this.signals.detections()).isEmpty();
		assertThat(this.signals.inFlightRequests()).isNull();
		assertThat(this.signals.httpClientPools("fluxgate.http-client.pool.max-connections")).isEmpty();
	}

}

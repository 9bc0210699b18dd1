package dev.fluxgate.autoconfigure.r2dbc;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.R2dbcTimeoutException;
import reactor.core.publisher.Mono;

/**
 * Times how long acquiring a pooled connection takes, by outcome: the acquire-wait timer Boot's {@code r2dbc.pool.*}
 * gauges lack. Publishes {@value #METER} (tags {@code name}, {@code outcome} = {@code success}, {@code timeout},
 * {@code error}, {@code cancelled}) once bound to a registry; acquisitions before that (schema initialisation, for
 * example) are not recorded, so the registry is never created early.
 */
final class AcquireTimer {

	static final String METER = "fluxgate.r2dbc.pool.acquire";

	static final String[] OUTCOMES = { "success", "timeout", "error", "cancelled" };

	private final String name;

	private final Map<String, Timer> timers = new ConcurrentHashMap<>();

	private volatile MeterRegistry registry;

	AcquireTimer(String name) {
		this.name = name;
	}

	void bindTo(MeterRegistry registry) {
		this.registry = registry;
		for (String outcome : OUTCOMES) {
			timer(outcome);
		}
	}

	Mono<Connection> time(Mono<Connection> acquisition) {
		return Mono.defer(() -> {
			long start = System.nanoTime();
			return acquisition.doOnSuccess((connection) -> record("success", start))
				.doOnError((ex) -> record(isTimeout(ex) ? "timeout" : "error", start))
				.doOnCancel(() -> record("cancelled", start));
		});
	}

	private static boolean isTimeout(Throwable ex) {
		return ex instanceof R2dbcTimeoutException || ex instanceof TimeoutException
				|| ex.getCause() instanceof TimeoutException;
	}

	private void record(String outcome, long start) {
		Timer timer = timer(outcome);
		if (timer != null) {
			timer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
		}
	}

	private Timer timer(String outcome) {
		MeterRegistry registry = this.registry;
		if (registry == null) {
			return null;
		}
		return this.timers.computeIfAbsent(outcome, (key) -> Timer.builder(METER)
			.description("Time spent waiting to acquire a pooled R2DBC connection")
			.tag("name", this.name)
			.tag("outcome", key)
			.register(registry));
	}

}

package dev.fluxgate.autoconfigure.r2dbc;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.fluxgate.overload.CapacityExceededException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.R2dbcTimeoutException;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Times how long acquiring a pooled connection takes, by outcome: the acquire-wait timer Boot's {@code r2dbc.pool.*}
 * gauges lack. Publishes {@value #METER} (tags {@code name}, {@code outcome} = {@code success}, {@code timeout} (no
 * connection became free within {@code max-acquire-time}), {@code error} (including a connection that could not be
 * opened, and a full queue), {@code cancelled}) once bound to a registry; acquisitions before that (schema
 * initialisation, for example) are not recorded, so the registry is never created early.
 */
final class AcquireTimer {

	static final String METER = "fluxgate.r2dbc.pool.acquire";

	static final String[] OUTCOMES = { "success", "timeout", "error", "cancelled" };

	private final String name;

	private final Map<String, Timer> timers = new ConcurrentHashMap<>();

	private volatile @Nullable MeterRegistry registry;

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

	/**
	 * A timeout is a wait for a busy pool that ran out. A database that could not open a connection in time
	 * ({@code db-unavailable}) or a full queue is an error: the advice differs.
	 */
	private static boolean isTimeout(Throwable ex) {
		if (ex instanceof CapacityExceededException capacity) {
			return FluxgateConnectionPool.EXHAUSTED.equals(capacity.getReason())
					&& capacity.getCause() instanceof R2dbcTimeoutException;
		}
		return ex instanceof R2dbcTimeoutException || ex instanceof TimeoutException
				|| ex.getCause() instanceof TimeoutException;
	}

	private void record(String outcome, long start) {
		@Nullable Timer timer = timer(outcome);
		if (timer != null) {
			timer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
		}
	}

	private @Nullable Timer timer(String outcome) {
		@Nullable MeterRegistry registry = this.registry;
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

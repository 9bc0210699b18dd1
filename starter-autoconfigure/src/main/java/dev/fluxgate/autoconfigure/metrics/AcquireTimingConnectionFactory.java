package dev.fluxgate.autoconfigure.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryMetadata;
import io.r2dbc.spi.R2dbcTimeoutException;
import io.r2dbc.spi.Wrapped;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/**
 * Times how long callers wait for a pooled connection, which Boot's gauges cannot show: {@code r2dbc.pool.pending}
 * says how many wait, not for how long. Publishes {@value #METER} (timer; tags {@code name}, {@code outcome} =
 * {@code success}, {@code timeout}, {@code error}, {@code cancelled}). Implements {@link Wrapped}, so Boot's
 * {@code ConnectionPoolMetrics}, and anything else that unwraps, still finds the pool.
 */
final class AcquireTimingConnectionFactory implements ConnectionFactory, Wrapped<ConnectionFactory> {

	static final String METER = "fluxgate.r2dbc.pool.acquire";

	static final String[] OUTCOMES = { "success", "timeout", "error", "cancelled" };

	private final ConnectionFactory delegate;

	private final String name;

	private final Map<String, Timer> timers = new ConcurrentHashMap<>();

	private volatile MeterRegistry registry;

	AcquireTimingConnectionFactory(ConnectionFactory delegate, String name) {
		this.delegate = delegate;
		this.name = name;
	}

	/**
	 * Start publishing; acquisitions before this (schema initialisation, for example) are not recorded.
	 * @param registry the registry
	 */
	void bindTo(MeterRegistry registry) {
		this.registry = registry;
		for (String outcome : OUTCOMES) {
			timer(outcome);
		}
	}

	@Override
	public Publisher<? extends Connection> create() {
		return Mono.defer(() -> {
			long start = System.nanoTime();
			return Mono.<Connection>from(this.delegate.create())
				.doOnSuccess((connection) -> record("success", start))
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
			timer.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
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

	@Override
	public ConnectionFactoryMetadata getMetadata() {
		return this.delegate.getMetadata();
	}

	@Override
	public ConnectionFactory unwrap() {
		return this.delegate;
	}

	@Override
	public String toString() {
		return "AcquireTimingConnectionFactory[" + this.delegate + "]";
	}

}

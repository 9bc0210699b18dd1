package dev.fluxgate.overload;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.server.ServerWebExchange;

/**
 * Counts every request answered with a {@link DependencyFailure} and logs each kind as one WARN line at most once per
 * {@link #LOG_INTERVAL}, with how many were not logged since. An outage fails every request the same way: a stack
 * trace per request would bury the log (75 to 170 lines each), so the stack goes to DEBUG.
 */
final class DependencyFailureRecorder {

	/**
	 * At most one WARN per kind in this interval: a failing dependency shows up at once and stays visible while it
	 * lasts, at a bounded volume.
	 */
	static final Duration LOG_INTERVAL = Duration.ofSeconds(30);

	private static final Logger logger = LoggerFactory.getLogger(DependencyFailureRecorder.class);

	private static final int MAX_LOGGED_TEXT = 200;

	private final Map<DependencyFailure, Counter> counters = new EnumMap<>(DependencyFailure.class);

	private final Map<DependencyFailure, RateLimitedLog> logs = new EnumMap<>(DependencyFailure.class);

	private final LongSupplier nanoTime;

	DependencyFailureRecorder(@Nullable MeterRegistry registry) {
		this(registry, System::nanoTime);
	}

	DependencyFailureRecorder(@Nullable MeterRegistry registry, LongSupplier nanoTime) {
		this.nanoTime = nanoTime;
		for (DependencyFailure failure : DependencyFailure.values()) {
			this.logs.put(failure, new RateLimitedLog());
			if (registry != null) {
				// Registered up front, so that a rate over the counter has a baseline before the first failure.
				this.counters.put(failure, Counter.builder(OverloadExceptionHandler.DEPENDENCY_FAILURES_METER)
					.description("Requests answered 504 or 503 because a dependency timed out or could not be reached")
					.tag("reason", failure.reason())
					.register(registry));
			}
		}
	}

	/**
	 * Record a request answered with a dependency failure.
	 * @param failure the failure
	 * @param ex the error as the handler received it
	 * @param identifiedBy the exception in its chain that identified the failure
	 * @param request the request, as {@link #describe(ServerWebExchange)} gives it
	 */
	void record(DependencyFailure failure, Throwable ex, Throwable identifiedBy, String request) {
		Counter counter = this.counters.get(failure);
		if (counter != null) {
			counter.increment();
		}
		long unlogged = this.logs.get(failure).tryAcquire(this.nanoTime.getAsLong());
		if (unlogged >= 0 && logger.isWarnEnabled()) {
			logger.warn("{} {} for {}: {}{}. Counted in {}; stack traces at DEBUG.", failure.status().value(),
					failure.reason(), request, errors(ex, identifiedBy),
					(unlogged > 0) ? " (and " + unlogged + " more since the last report)" : "",
					OverloadExceptionHandler.DEPENDENCY_FAILURES_METER + "{reason=" + failure.reason() + "}");
		}
		if (logger.isDebugEnabled()) {
			logger.debug("{} {} for {}", failure.status().value(), failure.reason(), request, ex);
		}
	}

	/**
	 * The request in a log line: its method and route pattern (the path when no route matched), never the query.
	 * @param exchange the exchange
	 * @return the description
	 */
	static String describe(ServerWebExchange exchange) {
		ServerHttpRequest request = exchange.getRequest();
		Object pattern = exchange.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE);
		String path = (pattern != null) ? pattern.toString() : request.getPath().value();
		return request.getMethod().name() + " " + printable(path);
	}

	/** The outermost error and, when it is another one, the one that identified the failure. */
	private static String errors(Throwable ex, Throwable identifiedBy) {
		String outer = summary(ex);
		return (identifiedBy == ex) ? outer : outer + " caused by " + summary(identifiedBy);
	}

	private static String summary(Throwable ex) {
		String message = (ex.getMessage() != null) ? printable(ex.getMessage()).replaceAll("\\.+$", "") : "";
		return message.isEmpty() ? ex.getClass().getName() : ex.getClass().getName() + ": " + message;
	}

	/** One short line: messages and paths may be long, multi-line or come from the client. */
	private static String printable(String text) {
		String line = text.replaceAll("\\p{Cntrl}+", " ").strip();
		return (line.length() > MAX_LOGGED_TEXT) ? line.substring(0, MAX_LOGGED_TEXT) + "..." : line;
	}

	/** Whose turn it is to log, without locks: one caller per interval wins, the others are counted. */
	private static final class RateLimitedLog {

		private final AtomicLong nextAt = new AtomicLong(Long.MIN_VALUE);

		private final AtomicLong unlogged = new AtomicLong();

		/** The number not logged since the last line when the caller may log now, else -1. */
		long tryAcquire(long now) {
			long next = this.nextAt.get();
			if ((next == Long.MIN_VALUE || now - next >= 0)
					&& this.nextAt.compareAndSet(next, now + TimeUnit.NANOSECONDS.convert(LOG_INTERVAL))) {
				return this.unlogged.getAndSet(0);
			}
			this.unlogged.incrementAndGet();
			return -1;
		}

	}

}

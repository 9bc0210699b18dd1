package dev.fluxgate.autoconfigure.doctor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import dev.fluxgate.dependency.DependencyGuard;
import dev.fluxgate.eventloop.BlockingDetection;
import dev.fluxgate.eventloop.EventLoopProbe;
import dev.fluxgate.overload.DependencyFailure;
import dev.fluxgate.overload.OverloadExceptionHandler;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import org.jspecify.annotations.Nullable;

/**
 * Reads signals from meters by name, so every source plugs in as soon as its meters exist and nothing breaks while
 * they do not. Meters read (each optional):
 * <ul>
 * <li>{@code fluxgate.eventloop.lag} (timer, tag {@code loop}): probe delay per event loop; p99 when the timer
 * publishes percentiles, else max</li>
 * <li>{@code fluxgate.eventloop.stalls} (counter, tag {@code loop})</li>
 * <li>{@code fluxgate.eventloop.stall.duration} (gauge in seconds, tag {@code loop}): how long the loop has been
 * unresponsive now; 0 while it runs</li>
 * <li>{@code reactor.netty.eventloop.pending.tasks} (gauge, tag {@code name})</li>
 * <li>{@code fluxgate.blocking.calls} (counter, tag {@code method}: the blocking call BlockHound caught)</li>
 * <li>{@code reactor.netty.connection.provider.*} (gauges, tags {@code name}, {@code remote.address})</li>
 * <li>{@code http.server.requests.active} (long task timer): requests in flight</li>
 * <li>timeouts: {@code fluxgate.r2dbc.pool.acquire{outcome=timeout}},
 * {@code fluxgate.server.deadline.exceeded} (by {@code origin}: the server's own request timeout or the caller's
 * deadline), {@code http.client.requests} and {@code lettuce} with a timeout exception/error tag; retries:
 * {@code fluxgate.dependency.retries}, {@code resilience4j.retry.calls{kind=*_with_retry}}</li>
 * <li>dependency failures: {@value OverloadExceptionHandler#DEPENDENCY_FAILURES_METER} (tag {@code reason}),
 * requests answered 504 or 503 because a dependency timed out or could not be reached</li>
 * </ul>
 * Reactor Netty registers its meters in Micrometer's global registry, so that one is searched too.
 */
class MeterSignals implements EventLoopSignalSource, BlockingSignalSource {

	/** Reactor Netty's gauge of tasks queued on a loop. */
	public static final String EVENT_LOOP_PENDING_TASKS = "reactor.netty.eventloop.pending.tasks";

	/**
	 * Fluxgate's timer of R2DBC connection acquisition, published by the starter's rebuilt pool (which this runtime
	 * cannot reference; the starter's {@code AcquireTimer} spells the same name).
	 */
	public static final String R2DBC_ACQUIRE = "fluxgate.r2dbc.pool.acquire";

	/**
	 * Counter of requests whose deadline expired, published by the request deadline filter (tags {@code phase} and
	 * {@code origin}; its constant is private to the filter).
	 */
	public static final String DEADLINE_EXCEEDED = "fluxgate.server.deadline.exceeded";

	private static final String PROVIDER = "reactor.netty.connection.provider.";

	private final MeterRegistry registry;

	public MeterSignals(MeterRegistry registry) {
		this.registry = registry;
	}

	private Collection<Meter> find(String name) {
		Map<Meter.Id, Meter> meters = new LinkedHashMap<>();
		if (this.registry != null) {
			this.registry.find(name).meters().forEach((meter) -> meters.putIfAbsent(meter.getId(), meter));
		}
		if (this.registry != Metrics.globalRegistry) {
			Metrics.globalRegistry.find(name).meters().forEach((meter) -> meters.putIfAbsent(meter.getId(), meter));
		}
		return meters.values();
	}

	private static String tag(Meter meter, String... keys) {
		for (String key : keys) {
			String value = meter.getId().getTag(key);
			if (value != null) {
				return value;
			}
		}
		return "";
	}

	private static double value(Meter meter) {
		if (meter instanceof Gauge gauge) {
			return gauge.value();
		}
		if (meter instanceof Counter counter) {
			return counter.count();
		}
		if (meter instanceof FunctionCounter counter) {
			return counter.count();
		}
		if (meter instanceof Timer timer) {
			return timer.count();
		}
		double sum = 0;
		for (var measurement : meter.measure()) {
			sum += measurement.getValue();
		}
		return sum;
	}

	@Override
	public List<EventLoopSignal> eventLoops() {
		Map<String, Double> p99 = new TreeMap<>();
		Map<String, Double> max = new TreeMap<>();
		for (Meter meter : find(EventLoopProbe.LAG_METER)) {
			if (meter instanceof Timer timer) {
				String loop = tag(meter, "loop", "name");
				max.merge(loop, timer.max(TimeUnit.MILLISECONDS), Math::max);
				for (ValueAtPercentile percentile : timer.takeSnapshot().percentileValues()) {
					if (Math.abs(percentile.percentile() - 0.99) < 1e-9) {
						p99.merge(loop, percentile.value(TimeUnit.MILLISECONDS), Math::max);
					}
				}
			}
		}
		Map<String, Double> pending = sumByTag(EVENT_LOOP_PENDING_TASKS, "name");
		pending.putAll(sumByTag(EventLoopProbe.PENDING_TASKS_METER, "loop"));
		Map<String, Double> stalls = sumByTag(EventLoopProbe.STALLS_METER, "loop");
		Set<String> loops = new LinkedHashSet<>();
		loops.addAll(max.keySet());
		loops.addAll(pending.keySet());
		loops.addAll(stalls.keySet());
		List<EventLoopSignal> signals = new ArrayList<>();
		for (String loop : new java.util.TreeSet<>(loops)) {
			Double stallCount = stalls.get(loop);
			signals.add(new EventLoopSignal(loop, p99.get(loop), max.get(loop), pending.get(loop),
					(stallCount != null) ? stallCount.longValue() : null));
		}
		return signals;
	}

	@Override
	public Optional<Duration> totalStall() {
		// Only the HTTP loops serve requests: idle loops of other groups (Lettuce's) never make the process dead.
		Map<String, Double> stalled = sumBy(EventLoopProbe.STALL_DURATION_METER, (meter) -> tag(meter, "loop"),
				(meter) -> { String group = meter.getId().getTag("group"); return group == null || group.equals("reactor-netty"); });
		if (stalled.isEmpty()) {
			return Optional.empty();
		}
		double shortest = stalled.values().stream().mapToDouble(Double::doubleValue).min().orElse(0);
		return Optional.of(Duration.ofMillis((long) (shortest * 1000)));
	}

	@Override
	public List<BlockingSignal> detections() {
		Map<String, Double> byFrame = sumByTag(BlockingDetection.CALLS_METER, "frame", "method");
		List<BlockingSignal> signals = new ArrayList<>();
		byFrame.forEach((frame, count) -> signals
			.add(new BlockingSignal(frame.isEmpty() ? "unknown" : frame, count.longValue())));
		return signals;
	}

	/**
	 * Requests in flight on the server.
	 * @return the count, if the meter exists
	 */
	public @Nullable Double inFlightRequests() {
		Collection<Meter> meters = find("http.server.requests.active");
		if (meters.isEmpty()) {
			return null;
		}
		return meters.stream()
			.filter(LongTaskTimer.class::isInstance)
			.mapToDouble((meter) -> ((LongTaskTimer) meter).activeTasks())
			.sum();
	}

	/**
	 * Every Reactor Netty connection pool, one per provider name and remote address.
	 * @param sizeProperty the property that sets the pool size, for advice
	 * @return the pools
	 */
	public List<PoolSignal> httpClientPools(String sizeProperty) {
		// Named as users look for it: the address it connects to, then the provider ("fluxgate" for Fluxgate's own).
		Function<Meter, String> key = (meter) -> tag(meter, "remote.address") + " (" + tag(meter, "name") + ")";
		Map<String, Double> max = sumBy(PROVIDER + "max.connections", key);
		Map<String, Double> active = sumBy(PROVIDER + "active.connections", key);
		Map<String, Double> idle = sumBy(PROVIDER + "idle.connections", key);
		Map<String, Double> pending = sumBy(PROVIDER + "pending.connections", key);
		Map<String, Double> maxPending = sumBy(PROVIDER + "max.pending.connections", key);
		List<PoolSignal> pools = new ArrayList<>();
		max.forEach((name, size) -> pools.add(new PoolSignal("http-client", name, size.intValue(),
				active.getOrDefault(name, 0.0).intValue(), idle.getOrDefault(name, 0.0).intValue(),
				pending.getOrDefault(name, 0.0).intValue(),
				clamp(maxPending.getOrDefault(name, (double) Integer.MAX_VALUE)), sizeProperty)));
		return pools;
	}

	private static int clamp(double value) {
		return (value >= Integer.MAX_VALUE || value < 0) ? Integer.MAX_VALUE : (int) value;
	}

	/**
	 * Timeouts and retries counted so far.
	 * @return one entry per source that has counted any
	 */
	public List<TimeoutSignal> timeouts() {
		List<TimeoutSignal> signals = new ArrayList<>();
		long acquire = count(R2DBC_ACQUIRE, "outcome", "timeout"::equals);
		if (acquire > 0) {
			signals.add(new TimeoutSignal("timeout", "r2dbc-acquire", R2DBC_ACQUIRE + "{outcome=timeout}", acquire,
					"spring.r2dbc.pool.max-acquire-time"));
		}
		Map<String, Double> deadlines = sumBy(DEADLINE_EXCEEDED, MeterSignals::deadlineOrigin);
		long server = deadlines.getOrDefault("server", 0.0).longValue();
		if (server > 0) {
			signals.add(new TimeoutSignal("timeout", "server-deadline", DEADLINE_EXCEEDED + "{origin=server}", server,
					"fluxgate.server.request-timeout"));
		}
		long caller = deadlines.getOrDefault("caller", 0.0).longValue();
		if (caller > 0) {
			signals.add(new TimeoutSignal("timeout", "caller-deadline", DEADLINE_EXCEEDED + "{origin=caller}", caller,
					"fluxgate.server.deadline.header"));
		}
		long client = count("http.client.requests", "exception", (value) -> value.contains("Timeout"));
		if (client > 0) {
			signals.add(new TimeoutSignal("timeout", "http-client", "http.client.requests{exception=*Timeout*}",
					client, "spring.http.clients.read-timeout"));
		}
		long redis = count("lettuce", "error", (value) -> value.contains("Timeout"));
		if (redis > 0) {
			signals.add(new TimeoutSignal("timeout", "redis", "lettuce{error=*Timeout*}", redis,
					"spring.data.redis.timeout"));
		}
		Map<String, Double> failures = sumByTag(OverloadExceptionHandler.DEPENDENCY_FAILURES_METER, "reason");
		for (DependencyFailure failure : DependencyFailure.values()) {
			long total = failures.getOrDefault(failure.reason(), 0.0).longValue();
			if (total > 0) {
				signals.add(new TimeoutSignal(failure.isTimeout() ? "timeout" : "unavailable", failure.reason(),
						OverloadExceptionHandler.DEPENDENCY_FAILURES_METER + "{reason=" + failure.reason() + "}",
						total, governingProperty(failure)));
			}
		}
		long fluxgateRetries = count(DependencyGuard.RETRIES_METER, "outcome", (value) -> true);
		if (fluxgateRetries > 0) {
			signals.add(new TimeoutSignal("retry", "fluxgate-dependency", DependencyGuard.RETRIES_METER,
					fluxgateRetries, "fluxgate.dependencies.<name>.retry.max-attempts"));
		}
		long retried = count("resilience4j.retry.calls", "kind", (value) -> value.endsWith("_with_retry"));
		if (retried > 0) {
			signals.add(new TimeoutSignal("retry", "resilience4j", "resilience4j.retry.calls{kind=*_with_retry}",
					retried, "resilience4j.retry.instances.<name>.max-attempts"));
		}
		return signals;
	}

	/**
	 * Who set the deadline that expired. Without the {@code origin} tag, an expiry on arrival can only come from the
	 * caller's header (a budget of 0 or less); anything else counts as the server's.
	 */
	private static String deadlineOrigin(Meter meter) {
		String origin = meter.getId().getTag("origin");
		if (origin != null) {
			return origin;
		}
		return "arrival".equals(meter.getId().getTag("phase")) ? "caller" : "server";
	}

	/** The property named in advice: what bounds the call, or where the unreachable service is configured. */
	private static String governingProperty(DependencyFailure failure) {
		return switch (failure) {
			case DEPENDENCY_TIMEOUT -> "spring.http.clients.read-timeout";
			case DEPENDENCY_UNAVAILABLE -> "spring.http.clients.connect-timeout";
			case DB_STATEMENT_TIMEOUT -> "fluxgate.r2dbc.statement-timeout";
			case DB_UNAVAILABLE -> "spring.r2dbc.url";
			case REDIS_TIMEOUT -> "spring.data.redis.timeout";
			case REDIS_UNAVAILABLE -> "spring.data.redis.host";
		};
	}

	private long count(String name, String tagKey, java.util.function.Predicate<String> tagValue) {
		double total = 0;
		for (Meter meter : find(name)) {
			String value = meter.getId().getTag(tagKey);
			if (value != null && tagValue.test(value)) {
				total += value(meter);
			}
		}
		return (long) total;
	}

	private Map<String, Double> sumByTag(String name, String... keys) {
		return sumBy(name, (meter) -> tag(meter, keys));
	}

	private Map<String, Double> sumBy(String name, Function<Meter, String> key) {
		return sumBy(name, key, (meter) -> true);
	}

	private Map<String, Double> sumBy(String name, Function<Meter, String> key,
			java.util.function.Predicate<Meter> filter) {
		Map<String, Double> sums = new TreeMap<>();
		for (Meter meter : find(name)) {
			if (!filter.test(meter)) {
				continue;
			}
			double value = value(meter);
			if (!Double.isNaN(value)) {
				sums.merge(key.apply(meter), value, Double::sum);
			}
		}
		return sums;
	}

}

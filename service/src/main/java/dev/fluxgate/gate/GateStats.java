package dev.fluxgate.gate;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import org.jspecify.annotations.Nullable;

/**
 * The counters every gate keeps, published under one meter contract:
 * <ul>
 * <li>{@code fluxgate.gate.admitted} (counter; tags {@code gate}, {@code kind})</li>
 * <li>{@code fluxgate.gate.rejected} (counter; tags {@code gate}, {@code kind}, {@code reason})</li>
 * <li>{@code fluxgate.gate.queue.wait} (timer of the time admitted work waited; tags {@code gate}, {@code kind}):
 * only work that waited is recorded, so a gate that never queues (shedding, rate limit) costs no timer update per
 * admission; {@code fluxgate.gate.admitted} counts all of it</li>
 * </ul>
 * Gauges of limit, in-flight and queued come from {@link GateRegistry}. Thread-safe and allocation-free on the
 * admitted path: the admitted counter is read from this class's own count when meters are scraped.
 */
public final class GateStats {

	/** Counter of work admitted (tags {@code gate}, {@code kind}). */
	public static final String ADMITTED_METER = "fluxgate.gate.admitted";

	/** Counter of work rejected (tags {@code gate}, {@code kind}, {@code reason}). */
	public static final String REJECTED_METER = "fluxgate.gate.rejected";

	/** Timer of the time admitted work waited (tags {@code gate}, {@code kind}). */
	public static final String QUEUE_WAIT_METER = "fluxgate.gate.queue.wait";

	private final MeterRegistry registry;

	private final Tags tags;

	private final LongAdder admitted = new LongAdder();

	private final Map<String, ReasonCount> rejected = new ConcurrentHashMap<>();

	private final Timer queueWait;

	/**
	 * Counters for one gate.
	 * @param name the gate's name
	 * @param kind the gate's kind
	 * @param registry where to publish meters; without one the counts are kept without publishing
	 */
	public GateStats(String name, String kind, @Nullable MeterRegistry registry) {
		this.registry = (registry != null) ? registry : new CompositeMeterRegistry();
		this.tags = Tags.of("gate", name, "kind", kind);
		FunctionCounter.builder(ADMITTED_METER, this.admitted, LongAdder::sum)
			.description("Work admitted by a Fluxgate gate")
			.tags(this.tags)
			.register(this.registry);
		this.queueWait = Timer.builder(QUEUE_WAIT_METER)
			.description("Time admitted work waited in a Fluxgate gate's queue")
			.tags(this.tags)
			.register(this.registry);
	}

	/**
	 * Record admitted work.
	 * @param waitedNanos how long it waited for admission
	 */
	public void admitted(long waitedNanos) {
		this.admitted.increment();
		if (waitedNanos > 0) {
			this.queueWait.record(waitedNanos, TimeUnit.NANOSECONDS);
		}
	}

	/**
	 * Record admitted work.
	 * @param waited how long it waited for admission
	 */
	public void admitted(Duration waited) {
		admitted(waited.toNanos());
	}

	/**
	 * Record rejected work.
	 * @param reason a bounded token such as {@code full}, {@code queue-timeout}, {@code circuit-open}
	 */
	public void rejected(String reason) {
		this.rejected.computeIfAbsent(reason, this::reasonCount).increment();
	}

	private ReasonCount reasonCount(String reason) {
		Counter counter = Counter.builder(REJECTED_METER)
			.description("Work rejected by a Fluxgate gate")
			.tags(this.tags)
			.tag("reason", reason)
			.register(this.registry);
		return new ReasonCount(new LongAdder(), counter);
	}

	public long admittedCount() {
		return this.admitted.sum();
	}

	public Map<String, Long> rejectedCounts() {
		Map<String, Long> counts = new java.util.TreeMap<>();
		this.rejected.forEach((reason, count) -> counts.put(reason, count.total.sum()));
		return counts;
	}

	private record ReasonCount(LongAdder total, Counter counter) {

		void increment() {
			this.total.increment();
			this.counter.increment();
		}

	}

}

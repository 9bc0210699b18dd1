package dev.fluxgate.server;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

import dev.fluxgate.gate.Gate;
import dev.fluxgate.gate.GateSnapshot;
import dev.fluxgate.gate.GateStats;
import dev.fluxgate.limit.ConcurrencyLimit;
import dev.fluxgate.limit.Outcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;

/**
 * The server's concurrency gate: admits a request while fewer than {@link ConcurrencyLimit#current()} are in flight,
 * otherwise rejects it without queueing (a queue in front of an overloaded server only adds latency to requests
 * that will time out anyway). Each admitted request holds a {@link Permit} that must be released exactly once; the
 * release feeds the request's latency and outcome to the limit, which an adaptive limit learns from.
 * <p>
 * In shadow mode nothing is rejected: requests over the limit are admitted and counted as
 * {@code fluxgate.gate.shadow.rejected} (tags {@code gate}, {@code kind}, {@code reason}), so a limit can be tried
 * on production traffic before it is enforced. Never blocks: admission is one compare-and-set loop.
 */
public final class LoadShedder implements Gate {

	/** The gate kind. */
	public static final String KIND = "shedding";

	/** The {@code reason} of a rejection: the server was at its concurrency limit. */
	public static final String REASON_SHED = "shed";

	private final String name;

	private final ConcurrencyLimit limit;

	private final boolean shadow;

	private final LongSupplier nanoClock;

	private final AtomicInteger inFlight = new AtomicInteger();

	private final GateStats stats;

	private final LongAdder shadowRejected = new LongAdder();

	private final @Nullable Counter shadowRejectedCounter;

	/**
	 * A shedder on the system clock.
	 * @param name the gate name, for example {@code server}
	 * @param limit the concurrency limit
	 * @param shadow whether to measure only, never reject
	 * @param meterRegistry where to publish meters; without one the shedder counts but does not publish
	 */
	public LoadShedder(String name, ConcurrencyLimit limit, boolean shadow, @Nullable MeterRegistry meterRegistry) {
		this(name, limit, shadow, meterRegistry, System::nanoTime);
	}

	LoadShedder(String name, ConcurrencyLimit limit, boolean shadow, @Nullable MeterRegistry meterRegistry,
			LongSupplier nanoClock) {
		this.name = name;
		this.limit = limit;
		this.shadow = shadow;
		this.nanoClock = nanoClock;
		this.stats = new GateStats(name, KIND, meterRegistry);
		this.shadowRejectedCounter = (meterRegistry != null) ? Counter.builder("fluxgate.gate.shadow.rejected")
			.description("Work a Fluxgate gate in shadow mode would have rejected")
			.tag("gate", name)
			.tag("kind", KIND)
			.tag("reason", REASON_SHED)
			.register(meterRegistry) : null;
	}

	/**
	 * Admit one unit of work if the limit allows it.
	 * @return the permit to release when the work ends, or {@code null} when rejected
	 */
	public @Nullable Permit tryAcquire() {
		int limitNow = this.limit.current();
		int current;
		do {
			current = this.inFlight.get();
			if (current >= limitNow && !this.shadow) {
				this.stats.rejected(REASON_SHED);
				return null;
			}
		}
		while (!this.inFlight.compareAndSet(current, current + 1));
		if (current >= limitNow) {
			this.shadowRejected.increment();
			if (this.shadowRejectedCounter != null) {
				this.shadowRejectedCounter.increment();
			}
		}
		this.stats.admitted(0);
		return new Permit(current + 1, this.nanoClock.getAsLong());
	}

	/**
	 * Work admitted in shadow mode that the limit would have rejected.
	 * @return the count since start
	 */
	public long shadowRejectedCount() {
		return this.shadowRejected.sum();
	}

	/**
	 * Whether this shedder only measures.
	 * @return {@code true} in shadow mode
	 */
	public boolean isShadow() {
		return this.shadow;
	}

	/**
	 * The limit this shedder enforces.
	 * @return the limit
	 */
	public ConcurrencyLimit limit() {
		return this.limit;
	}

	@Override
	public String name() {
		return this.name;
	}

	@Override
	public String kind() {
		return KIND;
	}

	@Override
	public GateSnapshot snapshot() {
		return new GateSnapshot(this.name, KIND, this.limit.current(), this.inFlight.get(), 0,
				this.stats.admittedCount(), this.stats.rejectedCounts());
	}

	/**
	 * One admitted unit of work. {@link #release(Outcome)} is idempotent: only the first call counts, so every path
	 * that can end the work (complete, error, cancel) may call it.
	 */
	public final class Permit {

		private final int inFlightAtStart;

		private final long startNanos;

		private final AtomicBoolean released = new AtomicBoolean();

		private Permit(int inFlightAtStart, long startNanos) {
			this.inFlightAtStart = inFlightAtStart;
			this.startNanos = startNanos;
		}

		/**
		 * Return the permit and report how the work ended.
		 * @param outcome the outcome
		 */
		public void release(Outcome outcome) {
			if (this.released.compareAndSet(false, true)) {
				LoadShedder.this.inFlight.decrementAndGet();
				long rtt = LoadShedder.this.nanoClock.getAsLong() - this.startNanos;
				LoadShedder.this.limit.onSample(rtt, this.inFlightAtStart, outcome);
			}
		}

	}

}

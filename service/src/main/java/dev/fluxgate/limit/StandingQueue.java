package dev.fluxgate.limit;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Bounds the time work waits in a queue once that queue has stopped draining: controlled delay as Facebook applies
 * CoDel to its servers' request queues. A queue that has not been empty for a whole {@code interval}, while the
 * resource behind it turned over at least {@code minDepartures} times, is a <em>standing</em> queue: work arrives
 * faster than it leaves, and a longer wait only adds latency to work that will not be served sooner. While the queue
 * stands, new work may wait at most {@code target}; otherwise the queue's own bound applies, so a burst that drains
 * (a cold start, a slow but healthy dependency at moderate load) waits as long as it always did. The standing state
 * ends the moment the queue is seen empty.
 * <p>
 * Both conditions are needed: the time floor ignores a short burst, and the turnover scales the interval to the
 * resource, so a pool whose connections are held for seconds is not judged on a window a fast pool drains in.
 * <p>
 * The queue's owner reports what it sees: {@link #observe(int)} its length whenever it looks (on every arrival and
 * departure), {@link #departed()} each piece of work that leaves the queue for the resource. Thread-safe; the clock
 * is injected, so the behaviour is tested in virtual time.
 */
public final class StandingQueue {

	/**
	 * Default longest wait in a standing queue. Without it every admitted request waits the whole queue under
	 * overload (up to the pool's one-second acquire time, seconds in the offload queue), and refusals come only after
	 * that wait; 25 ms keeps an admitted request's wait below one typical query and a refusal well inside 50 ms.
	 */
	public static final Duration DEFAULT_TARGET = Duration.ofMillis(25);

	/**
	 * Default time a queue must stay non-empty before it counts as standing: long enough that a burst, the first
	 * requests after a cold start, or a dependency that is slow but keeps up, drain their queue before the shorter
	 * wait applies.
	 */
	public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(500);

	/** Default turnovers of the resource, as a multiple of its capacity, a standing queue must also have lasted. */
	public static final int DEFAULT_TURNOVERS = 2;

	private static final long EMPTY = Long.MIN_VALUE;

	private final long targetNanos;

	private final long intervalNanos;

	private final long minDepartures;

	private final LongSupplier nanoClock;

	/** Guarded by {@code this}: when the queue was last seen going from empty to non-empty, or {@link #EMPTY}. */
	private long nonEmptySince = EMPTY;

	/** Guarded by {@code this}: departures since {@link #nonEmptySince}. */
	private long departures;

	/**
	 * A standing-queue detector on the system clock.
	 * @param target longest wait while the queue stands
	 * @param interval shortest time the queue must stay non-empty to stand
	 * @param minDepartures fewest departures within that time (the resource's capacity times a few turnovers)
	 */
	public StandingQueue(Duration target, Duration interval, long minDepartures) {
		this(target, interval, minDepartures, System::nanoTime);
	}

	/**
	 * A standing-queue detector.
	 * @param target longest wait while the queue stands
	 * @param interval shortest time the queue must stay non-empty to stand
	 * @param minDepartures fewest departures within that time
	 * @param nanoClock the clock, in nanoseconds
	 */
	public StandingQueue(Duration target, Duration interval, long minDepartures, LongSupplier nanoClock) {
		if (target.isNegative() || target.isZero()) {
			throw new IllegalArgumentException("target must be positive, was " + target);
		}
		if (interval.isNegative()) {
			throw new IllegalArgumentException("interval must not be negative, was " + interval);
		}
		this.targetNanos = target.toNanos();
		this.intervalNanos = interval.toNanos();
		this.minDepartures = Math.max(0, minDepartures);
		this.nanoClock = nanoClock;
	}

	/**
	 * Fluxgate's defaults for a resource of the given capacity.
	 * @param capacity the work the resource runs at once (connections, threads, permits)
	 * @return a detector on the system clock
	 */
	public static StandingQueue withDefaults(int capacity) {
		return new StandingQueue(DEFAULT_TARGET, DEFAULT_INTERVAL, (long) DEFAULT_TURNOVERS * capacity);
	}

	/**
	 * Report the queue's length as just seen. Zero ends a standing queue.
	 * @param queued the work waiting now
	 */
	public synchronized void observe(int queued) {
		if (queued <= 0) {
			this.nonEmptySince = EMPTY;
		}
		else if (this.nonEmptySince == EMPTY) {
			this.nonEmptySince = this.nanoClock.getAsLong();
			this.departures = 0;
		}
	}

	/** Report one piece of work that left the queue for the resource. */
	public synchronized void departed() {
		this.departures++;
	}

	/**
	 * Whether the queue stands: non-empty for the whole interval, with enough departures in it.
	 * @return {@code true} while waiting longer only adds latency
	 */
	public synchronized boolean isStanding() {
		return this.nonEmptySince != EMPTY && this.departures >= this.minDepartures
				&& this.nanoClock.getAsLong() - this.nonEmptySince >= this.intervalNanos;
	}

	/**
	 * The longest a piece of work arriving now may wait.
	 * @param normal the queue's own bound, for a queue that drains
	 * @return {@code normal}, or the target when the queue stands and the target is shorter
	 */
	public Duration maxWait(Duration normal) {
		return (isStanding() && this.targetNanos < normal.toNanos()) ? Duration.ofNanos(this.targetNanos) : normal;
	}

	/**
	 * Whether work that entered the queue at the given time has waited longer than a standing queue allows: for an
	 * owner that decides on arrival from the age of its oldest waiter.
	 * @param enqueuedNanos when the work entered the queue, on this detector's clock
	 * @return {@code true} when the queue stands and the work has waited more than the target
	 */
	public boolean waitedTooLong(long enqueuedNanos) {
		return this.nanoClock.getAsLong() - enqueuedNanos > this.targetNanos && isStanding();
	}

	/**
	 * The longest wait in a standing queue.
	 * @return the target
	 */
	public Duration target() {
		return Duration.ofNanos(this.targetNanos);
	}

	/**
	 * The detector's clock.
	 * @return now, in nanoseconds
	 */
	public long now() {
		return this.nanoClock.getAsLong();
	}

}

package dev.fluxgate.limit;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Bounds the time work waits in a queue once that queue has stopped draining: controlled delay as Facebook applies
 * CoDel to its servers' request queues. A queue that has not been empty for a whole {@code interval}, while the
 * resource behind it turned over at least {@code minDepartures} times, is a <em>standing</em> queue: work arrives
 * faster than it leaves, and a longer wait only adds latency to work that will not be served sooner. While the queue
 * stands, new work may wait at most {@code target}; otherwise the queue's own bound applies, so a burst that drains
 * (a cold start, a slow but healthy dependency at moderate load) waits as long as it always did.
 * <p>
 * A standing queue ends once a whole {@code interval} has passed without a refusal: the load that made it stand has
 * gone. Seeing the queue empty does not end it, since bounding the wait is what empties it: were the state to end
 * there, the queue would refill to its full length (seconds of work) before it stood again, and every request
 * admitted meanwhile would wait all of it.
 * <p>
 * Both conditions to stand are needed: the time floor ignores a short burst, and the turnover scales the interval to
 * the resource, so a pool whose connections are held for seconds is not judged on a window a fast pool drains in.
 * <p>
 * The queue's owner reports what it sees: {@link #observe(int)} its length whenever it looks (on every arrival and
 * departure), {@link #departed()} each piece of work that leaves the queue for the resource, {@link #refused()} each
 * wait it cut to the target (refusals decided here on arrival count themselves). Thread-safe; the clock is injected,
 * so the behaviour is tested in virtual time.
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

	/** Guarded by {@code this}: when the queue last started standing, or {@link #EMPTY} while it does not. */
	private long standingSince = EMPTY;

	/** Guarded by {@code this}: the last refusal while the queue stood, or {@link #EMPTY}. */
	private long lastRefusal = EMPTY;

	/** Guarded by {@code this}: the last departure, or {@link #EMPTY}. */
	private long lastDeparture = EMPTY;

	/** Guarded by {@code this}: whether the queue was seen empty since the last departure. */
	private boolean emptiedSinceDeparture = true;

	/** Guarded by {@code this}: smoothed time between departures from a queue that stayed non-empty, 0 until seen. */
	private long departureGap;

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
	 * Report the queue's length as just seen.
	 * @param queued the work waiting now
	 */
	public synchronized void observe(int queued) {
		if (queued <= 0) {
			this.nonEmptySince = EMPTY;
			this.emptiedSinceDeparture = true;
		}
		else if (this.nonEmptySince == EMPTY) {
			this.nonEmptySince = this.nanoClock.getAsLong();
			this.departures = 0;
		}
	}

	/** Report one piece of work that left the queue for the resource. */
	public synchronized void departed() {
		long now = this.nanoClock.getAsLong();
		if (this.lastDeparture != EMPTY && !this.emptiedSinceDeparture) {
			// the resource's pace, from departures with work waiting all along (an idle gap measures arrivals)
			long gap = now - this.lastDeparture;
			this.departureGap = (this.departureGap == 0) ? gap : this.departureGap + (gap - this.departureGap) / 8;
		}
		this.lastDeparture = now;
		this.emptiedSinceDeparture = false;
		this.departures++;
	}

	/**
	 * Report one piece of work refused because the queue stands (its wait cut to the target, or refused on arrival):
	 * the queue keeps standing while it keeps refusing.
	 */
	public synchronized void refused() {
		this.lastRefusal = this.nanoClock.getAsLong();
	}

	/**
	 * Whether the queue stands: it was non-empty for the whole interval, with enough departures in it, and has not
	 * gone a whole interval since without a refusal.
	 * @return {@code true} while waiting longer only adds latency
	 */
	public synchronized boolean isStanding() {
		long now = this.nanoClock.getAsLong();
		if (this.standingSince != EMPTY) {
			if (now - Math.max(this.standingSince, this.lastRefusal) < this.intervalNanos) {
				return true;
			}
			this.standingSince = EMPTY;
		}
		if (this.nonEmptySince != EMPTY && this.departures >= this.minDepartures
				&& now - this.nonEmptySince >= this.intervalNanos) {
			this.standingSince = now;
			return true;
		}
		return false;
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
	 * Whether to refuse work arriving now because the oldest waiter has waited longer than a standing queue allows:
	 * for an owner that decides on arrival from the age of its oldest waiter. A refusal counts as
	 * {@link #refused()}.
	 * @param oldestEnqueuedNanos when the oldest waiter entered the queue, on this detector's clock
	 * @return {@code true} when the queue stands and that waiter has waited more than the target
	 */
	public synchronized boolean refusesAfterOldest(long oldestEnqueuedNanos) {
		return this.nanoClock.getAsLong() - oldestEnqueuedNanos > this.targetNanos && isStanding() && refusal();
	}

	/**
	 * Whether to refuse work arriving now because the given number of waiters ahead of it would keep it waiting longer
	 * than a standing queue allows, at the pace the queue has been draining: for an owner that refuses on arrival
	 * rather than after the target. A refusal counts as {@link #refused()}.
	 * @param queued the work waiting ahead of it
	 * @return {@code true} when the queue stands and its waiters need longer than the target to leave
	 */
	public synchronized boolean refusesBehind(int queued) {
		return queued > 0 && this.departureGap > 0 && queued * this.departureGap > this.targetNanos && isStanding()
				&& refusal();
	}

	/** Records a refusal decided here; always {@code true}, to end the decision's condition. */
	private boolean refusal() {
		refused();
		return true;
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

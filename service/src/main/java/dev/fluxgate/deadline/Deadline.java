package dev.fluxgate.deadline;

import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;

import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * The point in time by which a request must be answered. It travels in the Reactor {@link Context} under
 * {@link #CONTEXT_KEY}, so every client call made on behalf of the request can cap its own timeout by what remains.
 * Monotonic ({@link System#nanoTime()}-based), so wall-clock jumps do not move it.
 */
public final class Deadline {

	/** The Reactor context key under which the current request's deadline is stored. */
	public static final Class<Deadline> CONTEXT_KEY = Deadline.class;

	private final long deadlineNanos;

	private final LongSupplier nanoClock;

	private Deadline(long deadlineNanos, LongSupplier nanoClock) {
		this.deadlineNanos = deadlineNanos;
		this.nanoClock = nanoClock;
	}

	/**
	 * A deadline the given time from now.
	 * @param timeout the time allowed
	 * @return the deadline
	 */
	public static Deadline after(Duration timeout) {
		return after(timeout, System::nanoTime);
	}

	/**
	 * A deadline the given time from now on a given nanosecond clock (for tests).
	 * @param timeout the time allowed
	 * @param nanoClock a monotonic clock in nanoseconds
	 * @return the deadline
	 */
	public static Deadline after(Duration timeout, LongSupplier nanoClock) {
		return new Deadline(nanoClock.getAsLong() + saturatedNanos(timeout), nanoClock);
	}

	/**
	 * The time left, negative once expired.
	 * @return the remaining time
	 */
	public Duration remaining() {
		return Duration.ofNanos(this.deadlineNanos - this.nanoClock.getAsLong());
	}

	/**
	 * Whether the deadline has passed.
	 * @return {@code true} once no time remains
	 */
	public boolean isExpired() {
		return this.deadlineNanos - this.nanoClock.getAsLong() <= 0;
	}

	/**
	 * The earlier of this deadline and one the given time from now.
	 * @param timeout the other limit
	 * @return the earlier deadline
	 */
	public Deadline narrowedTo(Duration timeout) {
		long other = this.nanoClock.getAsLong() + saturatedNanos(timeout);
		return (other - this.deadlineNanos < 0) ? new Deadline(other, this.nanoClock) : this;
	}

	/**
	 * A timeout for one step of the request: the step's own timeout, shortened to what remains of the deadline minus
	 * a safety margin.
	 * @param timeout the step's own timeout
	 * @param margin time kept back for the response to travel back
	 * @return the timeout to apply; zero or negative when nothing remains
	 */
	public Duration cap(Duration timeout, Duration margin) {
		Duration remaining = remaining().minus(margin);
		return (remaining.compareTo(timeout) < 0) ? remaining : timeout;
	}

	/**
	 * The deadline of the current request, if any.
	 * @param context the subscriber context
	 * @return the deadline
	 */
	public static Optional<Deadline> current(ContextView context) {
		return context.getOrEmpty(CONTEXT_KEY);
	}

	/**
	 * A context that carries this deadline.
	 * @param context the context to extend
	 * @return the new context
	 */
	public Context putIn(Context context) {
		return context.put(CONTEXT_KEY, this);
	}

	private static long saturatedNanos(Duration duration) {
		try {
			return duration.toNanos();
		}
		catch (ArithmeticException ex) {
			return duration.isNegative() ? Long.MIN_VALUE / 2 : Long.MAX_VALUE / 2;
		}
	}

	@Override
	public String toString() {
		return "Deadline[remaining=" + remaining() + "]";
	}

}

package dev.fluxgate.limit;

import java.util.function.LongSupplier;

/**
 * An adaptive concurrency limit of the gradient family (Netflix concurrency-limits' Gradient2, windowed), with the
 * faults known from its use fixed:
 * <ul>
 * <li><b>No creep under overload.</b> Gradient2 computes {@code L * gradient + queueSize}, so while latency is high
 * (gradient below 1) a small limit still grows by the queue size every sample (concurrency-limits PR #134). Here
 * the limit only shrinks (smoothed) while the gradient is below 1, and only grows (by {@code sqrt(L)} per window)
 * when latency is within tolerance.</li>
 * <li><b>Drops count.</b> Gradient2 ignores drops (concurrency-limits#176), so a service whose every call times out
 * looks healthy (#137: every RTT equals the timeout, the gradient is 1 and the limit grows to the ceiling). Here a
 * window in which more than {@link GradientLimitSettings#dropRatioThreshold()} of the outcomes are drops (5xx,
 * timeouts) multiplies the limit by {@link GradientLimitSettings#backoffRatio()}, and a drop's latency is never a
 * sample.</li>
 * <li><b>Ignored outcomes are ignored.</b> 4xx answers and client cancels neither count as samples nor end windows,
 * so clients that give up early cannot make the service look fast.</li>
 * <li><b>Application-limited windows hold.</b> When the highest concurrency seen in a window is below half the limit
 * the limit is not what constrains the service: it neither grows (no creep to the ceiling while idle) nor shrinks
 * (a slow dependency at low load is not a reason to shed, and a failing endpoint at low load cannot pin the limit to
 * the floor).</li>
 * <li><b>Warm start.</b> The limit starts at {@link GradientLimitSettings#initialLimit()} (Fluxgate: the ceiling),
 * and the first {@link GradientLimitSettings#warmupWindows()} windows only establish the latency baseline, using the
 * fastest window, so a fresh instance with a cold JIT is not mistaken for an overloaded one.</li>
 * </ul>
 * Samples are aggregated into windows of at least {@link GradientLimitSettings#window()} and
 * {@link GradientLimitSettings#minWindowSamples()} outcomes; the limit changes once per window. Time comes from an
 * injected monotonic clock, so the algorithm is tested in virtual time. Thread-safe: a sample takes a short,
 * uncontended-in-practice monitor and never blocks on I/O.
 */
public final class GradientLimit implements ConcurrencyLimit {

	private static final double BASELINE_DECAY = 0.95;

	private final GradientLimitSettings settings;

	private final LongSupplier nanoClock;

	private final long windowNanos;

	private final double longRttFactor;

	private volatile int limit;

	private double estimatedLimit;

	private double longRttNanos;

	private int warmupWindowsLeft;

	private long windowStart;

	private long windowRttSum;

	private int windowSamples;

	private int windowDrops;

	private int windowMaxInFlight;

	/**
	 * A limit on the system clock.
	 * @param settings the settings
	 */
	public GradientLimit(GradientLimitSettings settings) {
		this(settings, System::nanoTime);
	}

	/**
	 * A limit on a given clock.
	 * @param settings the settings
	 * @param nanoClock a monotonic clock in nanoseconds
	 */
	public GradientLimit(GradientLimitSettings settings, LongSupplier nanoClock) {
		this.settings = settings;
		this.nanoClock = nanoClock;
		this.windowNanos = settings.window().toNanos();
		this.longRttFactor = 2.0 / (settings.longWindow() + 1);
		this.estimatedLimit = settings.initialLimit();
		this.limit = settings.initialLimit();
		this.warmupWindowsLeft = settings.warmupWindows();
		this.windowStart = nanoClock.getAsLong();
	}

	@Override
	public int current() {
		return this.limit;
	}

	@Override
	public void onSample(long rttNanos, int inFlightAtStart, Outcome outcome) {
		if (outcome == Outcome.IGNORED) {
			return;
		}
		synchronized (this) {
			if (outcome == Outcome.DROPPED) {
				this.windowDrops++;
			}
			else {
				this.windowRttSum += Math.max(1, rttNanos);
				this.windowSamples++;
			}
			this.windowMaxInFlight = Math.max(this.windowMaxInFlight, inFlightAtStart);
			long now = this.nanoClock.getAsLong();
			if (now - this.windowStart >= this.windowNanos
					&& this.windowSamples + this.windowDrops >= this.settings.minWindowSamples()) {
				endWindow();
				this.windowStart = now;
			}
		}
	}

	private void endWindow() {
		double averageRtt = (this.windowSamples > 0) ? (double) this.windowRttSum / this.windowSamples : 0;
		double dropRatio = (double) this.windowDrops / (this.windowSamples + this.windowDrops);
		boolean overDropThreshold = this.windowDrops > 0 && dropRatio > this.settings.dropRatioThreshold();
		boolean applicationLimited = this.windowMaxInFlight < this.estimatedLimit / 2;
		this.windowRttSum = 0;
		this.windowSamples = 0;
		this.windowDrops = 0;
		this.windowMaxInFlight = 0;
		boolean warmingUp = this.warmupWindowsLeft > 0;
		if (averageRtt > 0) {
			updateBaseline(averageRtt);
		}
		if (applicationLimited) {
			return;
		}
		double next;
		if (overDropThreshold) {
			next = this.estimatedLimit * this.settings.backoffRatio();
		}
		else if (averageRtt == 0 || warmingUp) {
			return;
		}
		else {
			double gradient = Math.max(0.5, Math.min(1.0, this.settings.rttTolerance() * this.longRttNanos / averageRtt));
			if (gradient < 1.0) {
				double smoothing = this.settings.smoothing();
				next = this.estimatedLimit * (1 - smoothing) + this.estimatedLimit * gradient * smoothing;
			}
			else {
				// Growth is already once per window; smoothing it as well would take minutes to recover from an overload.
				next = this.estimatedLimit + Math.sqrt(this.estimatedLimit);
			}
		}
		this.estimatedLimit = Math.max(this.settings.minLimit(), Math.min(this.settings.maxLimit(), next));
		this.limit = (int) this.estimatedLimit;
	}

	private void updateBaseline(double averageRtt) {
		if (this.warmupWindowsLeft > 0) {
			this.longRttNanos = (this.longRttNanos == 0) ? averageRtt : Math.min(this.longRttNanos, averageRtt);
			this.warmupWindowsLeft--;
			return;
		}
		this.longRttNanos += (averageRtt - this.longRttNanos) * this.longRttFactor;
		if (this.longRttNanos / averageRtt > 2) {
			// Latency fell a lot (an overload ended): let the baseline catch up faster than the long average would.
			this.longRttNanos *= BASELINE_DECAY;
		}
	}

	/**
	 * The long-term latency the current windows are compared with, 0 until the first window.
	 * @return nanoseconds
	 */
	public synchronized double baselineRttNanos() {
		return this.longRttNanos;
	}

	@Override
	public String toString() {
		return "GradientLimit[limit=" + this.limit + ", min=" + this.settings.minLimit() + ", max="
				+ this.settings.maxLimit() + "]";
	}

}

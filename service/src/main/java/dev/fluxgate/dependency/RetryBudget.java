package dev.fluxgate.dependency;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Caps retries to a share of recent traffic, so a struggling dependency does not receive a multiple of its normal
 * load (Finagle/Envoy/Tower style): within a sliding window, retries may not exceed
 * {@code percent x requests + minPerSecond x windowSeconds}. Counting is done in one-second buckets; a decision
 * takes a short monitor and never waits.
 */
final class RetryBudget {

	private final double ratio;

	private final int minPerSecond;

	private final int buckets;

	private final long bucketNanos;

	private final LongSupplier nanoClock;

	private final long[] requests;

	private final long[] retries;

	private final long[] bucketEpochs;

	/**
	 * A budget.
	 * @param percent retries allowed as a percentage of requests in the window (0-100)
	 * @param minPerSecond retries always allowed per second, so low-traffic dependencies can still retry
	 * @param window the sliding window (whole seconds)
	 */
	RetryBudget(int percent, int minPerSecond, Duration window) {
		this(percent, minPerSecond, window, System::nanoTime);
	}

	RetryBudget(int percent, int minPerSecond, Duration window, LongSupplier nanoClock) {
		this.ratio = percent / 100.0;
		this.minPerSecond = minPerSecond;
		this.buckets = (int) Math.max(1, window.toSeconds());
		this.bucketNanos = Duration.ofSeconds(1).toNanos();
		this.nanoClock = nanoClock;
		this.requests = new long[this.buckets];
		this.retries = new long[this.buckets];
		this.bucketEpochs = new long[this.buckets];
	}

	/** Count a first attempt. */
	synchronized void onRequest() {
		this.requests[bucket(epoch())]++;
	}

	/**
	 * Take one retry from the budget if it has one.
	 * @return whether the retry may go ahead
	 */
	synchronized boolean tryRetry() {
		long epoch = epoch();
		int current = bucket(epoch);
		long requestSum = 0;
		long retrySum = 0;
		for (int i = 0; i < this.buckets; i++) {
			if (epoch - this.bucketEpochs[i] < this.buckets) {
				requestSum += this.requests[i];
				retrySum += this.retries[i];
			}
		}
		double allowed = this.ratio * requestSum + (double) this.minPerSecond * this.buckets;
		if (retrySum + 1 > allowed) {
			return false;
		}
		this.retries[current]++;
		return true;
	}

	private long epoch() {
		return Math.floorDiv(this.nanoClock.getAsLong(), this.bucketNanos);
	}

	/** The bucket of a second, emptied first when it last counted an older second. */
	private int bucket(long epoch) {
		int index = (int) Math.floorMod(epoch, (long) this.buckets);
		if (this.bucketEpochs[index] != epoch) {
			this.requests[index] = 0;
			this.retries[index] = 0;
			this.bucketEpochs[index] = epoch;
		}
		return index;
	}

}

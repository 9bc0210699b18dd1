package dev.fluxgate.bench.limits;

import com.netflix.concurrency.limits.Limit;
import dev.fluxgate.limit.ConcurrencyLimit;
import dev.fluxgate.limit.Outcome;

/**
 * A Netflix {@link Limit} seen as Fluxgate's {@link ConcurrencyLimit}, fed as Netflix's own limiters feed it: a
 * success is a sample, a drop is a sample marked dropped, an ignored outcome is no sample.
 */
final class NetflixLimit implements ConcurrencyLimit {

	private final Limit limit;

	NetflixLimit(Limit limit) {
		this.limit = limit;
	}

	@Override
	public int current() {
		return Math.max(1, this.limit.getLimit());
	}

	@Override
	public void onSample(long rttNanos, int inFlightAtStart, Outcome outcome) {
		if (outcome == Outcome.IGNORED) {
			return;
		}
		this.limit.onSample(System.nanoTime() - rttNanos, rttNanos, inFlightAtStart, outcome == Outcome.DROPPED);
	}

	@Override
	public String toString() {
		return "Netflix" + this.limit;
	}

}

package dev.fluxgate.autoconfigure.doctor;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The recent samples, enough to cover a window: samples older than the window are dropped, except the newest of
 * them, which is the baseline that counters are compared against. Also keeps the running peaks that the capacity
 * plan observes. Thread-safe.
 */
final class SignalHistory {

	private final Duration retention;

	private final Deque<Signals> samples = new ArrayDeque<>();

	private int peakInFlight;

	private Double peakConnectionsPerRequest;

	/**
	 * A history.
	 * @param retention how far back to keep samples: the longest window any rule looks at
	 */
	public SignalHistory(Duration retention) {
		this.retention = retention;
	}

	/**
	 * Add the newest sample.
	 * @param signals the sample
	 */
	public synchronized void add(Signals signals) {
		this.samples.addLast(signals);
		while (this.samples.size() > 2) {
			Signals second = this.samples.stream().skip(1).findFirst().orElseThrow();
			if (Duration.between(second.at(), signals.at()).compareTo(this.retention) >= 0) {
				this.samples.removeFirst();
			}
			else {
				break;
			}
		}
		observePeaks(signals);
	}

	private void observePeaks(Signals signals) {
		Double inFlight = signals.inFlightRequests();
		if (inFlight == null || inFlight < 1) {
			return;
		}
		int rounded = (int) Math.round(inFlight);
		if (rounded < this.peakInFlight) {
			return;
		}
		int acquired = signals.pools()
			.stream()
			.filter((pool) -> "r2dbc".equals(pool.type()))
			.mapToInt(PoolSignal::acquired)
			.sum();
		// Connections per request are estimated at the peak: with the most requests in flight, connections held
		// for other reasons (background work, a leak) distort the ratio least.
		double perRequest = acquired / inFlight;
		if (rounded > this.peakInFlight || this.peakConnectionsPerRequest == null) {
			this.peakConnectionsPerRequest = perRequest;
		}
		else {
			this.peakConnectionsPerRequest = Math.max(this.peakConnectionsPerRequest, perRequest);
		}
		this.peakInFlight = rounded;
		if (this.peakConnectionsPerRequest == 0) {
			this.peakConnectionsPerRequest = null;
		}
	}

	/**
	 * The samples, oldest first.
	 * @return a copy
	 */
	public synchronized List<Signals> samples() {
		return List.copyOf(this.samples);
	}

	/**
	 * The highest in-flight request count seen since start.
	 * @return the peak, 0 when no request was seen
	 */
	public synchronized int peakInFlight() {
		return this.peakInFlight;
	}

	/**
	 * R2DBC connections leased per in-flight request, at the highest in-flight count seen since start.
	 * @return the estimate, if there was traffic that used a connection
	 */
	public synchronized @Nullable Double estimatedConnectionsPerRequest() {
		return this.peakConnectionsPerRequest;
	}

}

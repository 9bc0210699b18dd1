package dev.fluxgate.autoconfigure.doctor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.fluxgate.gate.GateSnapshot;

/**
 * Sustained saturation, the condition under which an instance should stop receiving traffic: a pool at its maximum
 * with acquisitions waiting, a gate rejecting work, or an event loop lagging, each for a whole window. Short bursts do
 * not count, so readiness does not flap under ordinary peaks.
 */
final class Saturation {

	private Saturation() {
	}

	/**
	 * Assess a history of samples.
	 * @param history samples, oldest first
	 * @param settings the window and thresholds
	 * @return the verdict
	 */
	public static SaturationVerdict assess(List<Signals> history, DiagnosisSettings settings) {
		if (history.isEmpty()) {
			return new SaturationVerdict(false, List.of());
		}
		Signals newest = history.get(history.size() - 1);
		Duration window = settings.saturationWindow();
		List<String> reasons = new ArrayList<>();
		for (PoolSignal pool : newest.pools()) {
			Duration held = Sustained.heldFor(history, (signals) -> exhausted(signals.pool(pool.key())));
			if (Sustained.atLeast(held, window)) {
				reasons.add("%s pool at its maximum of %d with %d waiting for %ss".formatted(pool.key(), pool.max(),
						pool.pending(), held.toSeconds()));
			}
		}
		for (GateSnapshot gate : newest.gates()) {
			Duration held = Sustained.heldFor(history, (previous, current) -> rejectedSince(previous, current, gate));
			if (Sustained.atLeast(held, window)) {
				reasons.add("%s gate '%s' rejecting work for %ss".formatted(gate.kind(), gate.name(),
						held.toSeconds()));
			}
		}
		for (EventLoopSignal loop : newest.eventLoops()) {
			Duration held = Sustained.heldFor(history,
					(signals) -> laggingAtP99(signals.eventLoop(loop.name()), settings.eventLoopLagThreshold()));
			if (Sustained.atLeast(held, window)) {
				reasons.add("event loop %s lagging over %sms for %ss".formatted(loop.name(),
						settings.eventLoopLagThreshold().toMillis(), held.toSeconds()));
			}
		}
		return new SaturationVerdict(!reasons.isEmpty(), reasons);
	}

	static boolean exhausted(PoolSignal pool) {
		return pool != null && pool.exhausted();
	}

	static boolean rejectedSince(Signals previous, Signals current, GateSnapshot gate) {
		if (previous == null) {
			return false;
		}
		GateSnapshot before = previous.gate(gate.kind(), gate.name());
		GateSnapshot now = current.gate(gate.kind(), gate.name());
		return before != null && now != null && now.rejectedTotal() > before.rejectedTotal();
	}

	/**
	 * Only the p99 counts for readiness: a timer's max stays at its peak for the whole distribution expiry (two
	 * minutes by default), so one short spike would keep an instance out of service long after it ended.
	 */
	static boolean laggingAtP99(EventLoopSignal loop, Duration threshold) {
		return loop != null && loop.lagP99Millis() != null && loop.lagP99Millis() > threshold.toMillis();
	}

	static boolean lagging(EventLoopSignal loop, Duration threshold) {
		Double lag = lagMillis(loop);
		return lag != null && lag > threshold.toMillis();
	}

	/** The p99 when published, otherwise the max: a max alone still shows a loop that cannot keep up. */
	static Double lagMillis(EventLoopSignal loop) {
		if (loop == null) {
			return null;
		}
		return (loop.lagP99Millis() != null) ? loop.lagP99Millis() : loop.lagMaxMillis();
	}

}

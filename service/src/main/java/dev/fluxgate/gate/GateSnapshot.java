package dev.fluxgate.gate;

import java.util.Map;

/**
 * What a {@link Gate} reports.
 *
 * @param name the gate's name
 * @param kind the gate's kind
 * @param limit current capacity (concurrent permits, tokens, threads); -1 when not applicable
 * @param inFlight work admitted and not yet finished
 * @param queued work waiting to be admitted
 * @param admitted total admitted since start
 * @param rejected totals rejected since start, by reason
 */
public record GateSnapshot(String name, String kind, int limit, int inFlight, int queued, long admitted,
		Map<String, Long> rejected) {

	public GateSnapshot {
		rejected = Map.copyOf(rejected);
	}

	/**
	 * Total rejections for every reason.
	 * @return the sum
	 */
	public long rejectedTotal() {
		return this.rejected.values().stream().mapToLong(Long::longValue).sum();
	}

}

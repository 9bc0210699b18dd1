package dev.fluxgate.limit;

/**
 * How many units of work may run at once, possibly learned from the outcomes of earlier work. Implementations are
 * thread-safe and never block.
 */
public interface ConcurrencyLimit {

	/**
	 * The limit now.
	 * @return at least 1
	 */
	int current();

	/**
	 * Learn from one finished unit of work.
	 * @param rttNanos how long it ran
	 * @param inFlightAtStart work in flight when it was admitted (including itself)
	 * @param outcome how it ended
	 */
	void onSample(long rttNanos, int inFlightAtStart, Outcome outcome);

	/**
	 * A limit that never changes.
	 * @param limit the limit, at least 1 (taken as given: {@code fluxgate.server.concurrency.limit} validates it)
	 * @return the limit
	 */
	static ConcurrencyLimit fixed(int limit) {
		return new ConcurrencyLimit() {
			@Override
			public int current() {
				return limit;
			}

			@Override
			public void onSample(long rttNanos, int inFlightAtStart, Outcome outcome) {
			}

			@Override
			public String toString() {
				return "FixedLimit[" + limit + "]";
			}
		};
	}

}

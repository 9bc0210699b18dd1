package dev.fluxgate.autoconfigure.doctor;

/**
 * The state of one connection pool.
 *
 * @param type {@code r2dbc} or {@code http-client}
 * @param name the pool's name: the bean name, or for an HTTP client pool the remote address and the provider name,
 * as in {@code 127.0.0.1:8080 (fluxgate)}
 * @param max the most connections the pool may hold
 * @param acquired connections leased and in use
 * @param idle connections open and free
 * @param pending acquisitions waiting for a connection
 * @param maxPending the most acquisitions that may wait; {@code Integer.MAX_VALUE} when unbounded
 * @param sizeProperty the property that sets {@code max}, named in advice
 */
record PoolSignal(String type, String name, int max, int acquired, int idle, int pending, int maxPending,
		String sizeProperty) {

	/**
	 * Connections that can still be leased without waiting.
	 * @return max minus acquired, never negative
	 */
	public int headroom() {
		return Math.max(0, this.max - this.acquired);
	}

	/**
	 * Every connection leased and someone waiting.
	 * @return whether the pool is exhausted
	 */
	public boolean exhausted() {
		return this.max > 0 && this.acquired >= this.max && this.pending > 0;
	}

	/**
	 * Every connection leased.
	 * @return whether the pool is at its maximum
	 */
	public boolean atMax() {
		return this.max > 0 && this.acquired >= this.max;
	}

	/**
	 * A key unique among pools.
	 * @return {@code type/name}
	 */
	public String key() {
		return this.type + "/" + this.name;
	}

}

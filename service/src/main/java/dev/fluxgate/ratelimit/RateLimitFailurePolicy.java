package dev.fluxgate.ratelimit;

/**
 * What a shared rate limiter does while its backend (Redis) is unavailable, slow or behind an open circuit.
 */
public enum RateLimitFailurePolicy {

	/** Admit every request unchecked: availability over enforcement. */
	FAIL_OPEN,

	/** Refuse every request with 503 + {@code Retry-After}: enforcement over availability. */
	FAIL_CLOSED,

	/**
	 * Decide with this instance's local buckets: limits stay enforced per instance (each instance allows the full
	 * budget, so the cluster-wide total is at most N times it) and nothing stalls.
	 */
	LOCAL_FALLBACK

}

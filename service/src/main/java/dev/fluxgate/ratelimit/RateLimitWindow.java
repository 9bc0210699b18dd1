package dev.fluxgate.ratelimit;

import java.time.Duration;

/**
 * One token bucket of a policy: it holds at most {@code limit} tokens (the burst) and refills {@code limit} tokens
 * per {@code period}, spread evenly, so a client never gets more than {@code limit} requests in any
 * {@code period}-long window plus what refilled during it.
 *
 * @param name a short name used in the {@code RateLimit}/{@code RateLimit-Policy} headers and Redis keys
 * ({@code second}, {@code minute})
 * @param limit the bucket's capacity and refill per period
 * @param period the refill period
 */
public record RateLimitWindow(String name, long limit, Duration period) {

	/**
	 * Tokens per nanosecond.
	 * @return the refill rate
	 */
	double tokensPerNano() {
		return (double) this.limit / this.period.toNanos();
	}

}

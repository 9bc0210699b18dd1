package dev.fluxgate.ratelimit;

import reactor.core.publisher.Mono;

/**
 * Where buckets live: in this JVM ({@link LocalRateLimitBackend}) or shared through Redis
 * ({@link RedisRateLimitBackend}).
 */
public interface RateLimitBackend {

	/**
	 * Take one token from every window of a policy for a key, or none if any window is empty.
	 * @param policy the policy
	 * @param key the key
	 * @return the decision; never blocks
	 */
	Mono<RateLimitDecision> tryConsume(RateLimitPolicy policy, String key);

}

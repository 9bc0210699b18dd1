package dev.fluxgate.dependency;

import java.time.Duration;
import java.util.Set;

import org.springframework.http.HttpMethod;

/**
 * How calls to a dependency are retried.
 *
 * @param maxAttempts attempts including the first; 1 disables retries
 * @param initialBackoff upper bound of the first backoff (full jitter: the wait is uniform in [0, bound))
 * @param maxBackoff cap of the exponentially growing bound
 * @param methods the HTTP methods that may be retried (idempotent ones by default)
 * @param statuses response statuses that are retried; connection failures and attempt timeouts always are
 * @param budgetPercent retries allowed as a percentage of recent requests
 * @param budgetMinPerSecond retries always allowed per second on top of the percentage
 * @param budgetWindow the window over which requests and retries are counted
 */
public record RetrySettings(int maxAttempts, Duration initialBackoff, Duration maxBackoff, Set<HttpMethod> methods,
		Set<Integer> statuses, int budgetPercent, int budgetMinPerSecond, Duration budgetWindow) {

	/** Methods RFC 9110 defines as idempotent. */
	public static final Set<HttpMethod> IDEMPOTENT_METHODS = Set.of(HttpMethod.GET, HttpMethod.HEAD,
			HttpMethod.OPTIONS, HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.TRACE);

	public RetrySettings {
		methods = Set.copyOf(methods);
		statuses = Set.copyOf(statuses);
	}

	/**
	 * No retries.
	 * @return settings with a single attempt
	 */
	public static RetrySettings disabled() {
		return new RetrySettings(1, Duration.ZERO, Duration.ZERO, Set.of(), Set.of(), 0, 0, Duration.ofSeconds(10));
	}

}

package dev.fluxgate.ratelimit;

import java.time.Duration;
import java.util.List;

/**
 * The outcome of spending one token of a policy.
 *
 * @param allowed whether the request may proceed
 * @param retryAfter when a token will be available again (zero when allowed)
 * @param windows the state of each window after the decision
 */
public record RateLimitDecision(boolean allowed, Duration retryAfter, List<WindowState> windows) {

	public RateLimitDecision {
		windows = List.copyOf(windows);
	}

	/**
	 * A decision that admits without counting (fail-open while the backend is unavailable).
	 * @return the decision
	 */
	static RateLimitDecision unchecked() {
		return new RateLimitDecision(true, Duration.ZERO, List.of());
	}

	/**
	 * One window after the decision.
	 *
	 * @param window the window
	 * @param remaining whole tokens left
	 * @param resetAfter time until the bucket is full again
	 */
	public record WindowState(RateLimitWindow window, long remaining, Duration resetAfter) {

	}

}

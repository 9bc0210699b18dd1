package dev.fluxgate.dependency;

import java.time.Duration;

/**
 * Limits of a {@link Bulkhead}.
 *
 * @param maxConcurrentCalls calls admitted at the same time
 * @param maxQueued calls that may wait for a permit; further calls are rejected at once
 * @param maxQueueWait longest a call waits for a permit (further capped by the request's remaining deadline)
 */
public record BulkheadSettings(int maxConcurrentCalls, int maxQueued, Duration maxQueueWait) {

	public BulkheadSettings {
		if (maxConcurrentCalls < 1) {
			throw new IllegalArgumentException("maxConcurrentCalls must be at least 1");
		}
		if (maxQueued < 0) {
			throw new IllegalArgumentException("maxQueued must not be negative");
		}
		if (maxQueueWait == null || maxQueueWait.isNegative()) {
			throw new IllegalArgumentException("maxQueueWait must not be negative");
		}
	}

}

package dev.fluxgate.background;

import java.time.Duration;

/**
 * How {@link BackgroundTasks} is bounded.
 *
 * @param concurrency the most tasks running at once
 * @param queueCapacity the most tasks waiting to run; beyond it new tasks are rejected
 * @param retryAfter the {@code Retry-After} of the 503 a request gets when a task it submits is rejected
 */
public record BackgroundTasksSettings(int concurrency, int queueCapacity, Duration retryAfter) {

	public BackgroundTasksSettings {
		if (concurrency < 1) {
			throw new IllegalArgumentException("concurrency must be at least 1, was " + concurrency);
		}
		if (queueCapacity < 0) {
			throw new IllegalArgumentException("queueCapacity must not be negative, was " + queueCapacity);
		}
	}

}

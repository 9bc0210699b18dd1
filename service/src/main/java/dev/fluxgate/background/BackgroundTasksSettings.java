package dev.fluxgate.background;

import java.time.Duration;

/**
 * How {@link BackgroundTasks} is bounded. The values are taken as given: {@code fluxgate.background.*} validates them
 * once, at binding, with a startup failure that names the property, its value and the allowed range.
 *
 * @param concurrency the most tasks running at once
 * @param queueCapacity the most tasks waiting to run; beyond it new tasks are rejected
 * @param retryAfter the {@code Retry-After} of the 503 a request gets when a task it submits is rejected
 */
public record BackgroundTasksSettings(int concurrency, int queueCapacity, Duration retryAfter) {

}

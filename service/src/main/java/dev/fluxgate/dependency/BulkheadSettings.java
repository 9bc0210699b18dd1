package dev.fluxgate.dependency;

import java.time.Duration;

/**
 * Limits of a {@link Bulkhead}.
 *
 * @param maxConcurrentCalls calls admitted at the same time
 * @param maxQueued calls that may wait for a permit; further calls are rejected at once
 * @param maxQueueWait longest a call waits for a permit (further capped by the request's remaining deadline)
 * <p>
 * Validated once, where it is bound ({@code fluxgate.dependencies.<name>.bulkhead.*} fails startup naming the
 * property); the runtime takes it as given.
 */
public record BulkheadSettings(int maxConcurrentCalls, int maxQueued, Duration maxQueueWait) {

}

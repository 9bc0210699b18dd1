package dev.fluxgate.dependency;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * What guards the calls to one named dependency.
 *
 * @param name the dependency's name (also its circuit breaker's and bulkhead's name)
 * @param timeout the whole call, including queueing in the bulkhead, every attempt and every backoff; further
 * capped by the request's deadline
 * @param attemptTimeout one attempt
 * @param bulkhead the bulkhead's limits, when it has one
 * @param retry the retry policy
 */
public record DependencySettings(String name, Duration timeout, Duration attemptTimeout, @Nullable BulkheadSettings bulkhead,
		RetrySettings retry) {

}

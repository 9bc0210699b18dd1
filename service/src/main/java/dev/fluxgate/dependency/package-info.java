/**
 * Guards for calls to named outbound dependencies: {@link dev.fluxgate.dependency.FluxgateDependencies} (the
 * application's entry point), {@link dev.fluxgate.dependency.DependencyGuard} composing deadline, {@link
 * dev.fluxgate.dependency.Bulkhead}, Resilience4j circuit breaker and a budgeted retry, and {@link
 * dev.fluxgate.dependency.DependencyFallback} for refused calls.
 */
@NullMarked
package dev.fluxgate.dependency;

import org.jspecify.annotations.NullMarked;

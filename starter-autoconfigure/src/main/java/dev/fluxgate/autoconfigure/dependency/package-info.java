/**
 * Auto-configuration of the dependency guards: {@code fluxgate.dependencies.*}, Fluxgate's Resilience4j
 * circuit-breaker defaults, and guarded HTTP service client groups.
 */
@NullMarked
package dev.fluxgate.autoconfigure.dependency;

import org.jspecify.annotations.NullMarked;

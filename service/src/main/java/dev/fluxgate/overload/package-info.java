/**
 * The overload contract: the exceptions for work Fluxgate refused or cut short (503 or 429 with {@code Retry-After},
 * 504), the dependency failures it maps onto the same contract, and the handler that renders both as RFC 9457 problem
 * details.
 */
@NullMarked
package dev.fluxgate.overload;

import org.jspecify.annotations.NullMarked;

/**
 * Auto-configuration of the event-loop probe and blocking-call detection ({@code fluxgate.event-loop.*},
 * {@code fluxgate.blocking-detection.*}).
 */
@NullMarked
package dev.fluxgate.autoconfigure.eventloop;

import org.jspecify.annotations.NullMarked;

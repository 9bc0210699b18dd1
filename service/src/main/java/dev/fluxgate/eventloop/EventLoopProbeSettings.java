package dev.fluxgate.eventloop;

import java.time.Duration;

/**
 * How the {@link EventLoopProbe} samples.
 *
 * @param interval how often a probe task is sent to each loop
 * @param stallThreshold how long a loop may leave its probe task unrun before it counts as stalled
 * @param stallLogInterval the least time between two stall warnings for the same loop
 * <p>
 * Validated once, where it is bound ({@code fluxgate.event-loop.*} fails startup naming the property); the runtime
 * takes it as given.
 */
public record EventLoopProbeSettings(Duration interval, Duration stallThreshold, Duration stallLogInterval) {

}

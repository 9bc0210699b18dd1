package dev.fluxgate.autoconfigure.doctor;

import org.jspecify.annotations.Nullable;

/**
 * The state of one event loop. Values that no source measures are absent ({@code @Nullable}).
 *
 * @param name the loop (thread) name
 * @param lagP99Millis recent 99th percentile of the delay before a probe task ran, in milliseconds
 * @param lagMaxMillis recent maximum of that delay, in milliseconds
 * @param pendingTasks tasks queued on the loop
 * @param stalls stalls counted since start
 */
record EventLoopSignal(String name, @Nullable Double lagP99Millis, @Nullable Double lagMaxMillis,
		@Nullable Double pendingTasks, @Nullable Long stalls) {

}

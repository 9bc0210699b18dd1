package dev.fluxgate.autoconfigure.doctor;

import java.time.Duration;

/**
 * Thresholds of the diagnosis.
 *
 * @param saturationWindow how long a condition must hold before it counts as sustained
 * @param eventLoopLagThreshold event-loop lag (p99, or max when no percentile is published) above which a loop is
 * overloaded or blocked
 * @param blockedLoopPendingTasks at most this many pending tasks on a lagging loop means one long task is blocking
 * it rather than too much work queueing on it
 */
record DiagnosisSettings(Duration saturationWindow, Duration eventLoopLagThreshold,
		int blockedLoopPendingTasks) {

	/** Thirty seconds of saturation, 500 ms of lag, 10 pending tasks. */
	public static final DiagnosisSettings DEFAULTS = new DiagnosisSettings(Duration.ofSeconds(30),
			Duration.ofMillis(500), 10);

}

package dev.fluxgate.jobs;

import java.time.Duration;
import java.util.Map;

/**
 * Settings of every queue, built by the auto-configuration. Public: the auto-configuration lives in another package.
 *
 * @param defaults the settings of a queue without overrides
 * @param queues the settings of queues with overrides, by name
 * @param idempotencyWindow how long an idempotency key is remembered when the submit does not say
 * @param pollTimeout the longest a consumer's read waits in Redis for new jobs; it also bounds how late a delayed job
 * or a retry may start, and must stay below the Redis command timeout
 */
public record JobsSettings(JobQueueSettings defaults, Map<String, JobQueueSettings> queues,
		Duration idempotencyWindow, Duration pollTimeout) {

	public JobsSettings {
		queues = Map.copyOf(queues);
	}

	/**
	 * The settings of a queue.
	 * @param queue its name
	 * @return its overrides, or the defaults
	 */
	public JobQueueSettings queue(String queue) {
		return this.queues.getOrDefault(queue, this.defaults);
	}

}

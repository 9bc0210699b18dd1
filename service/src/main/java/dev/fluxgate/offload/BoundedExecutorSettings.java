package dev.fluxgate.offload;

import java.time.Duration;

import dev.fluxgate.limit.StandingQueue;

/**
 * How a {@link BoundedExecutor} is bounded. The values are taken as given: {@code fluxgate.offload.*} validates them
 * once, at binding, with a startup failure that names the property, its value and the allowed range.
 *
 * @param name the gate name, also the thread name prefix ({@code fluxgate-<name>-N})
 * @param threads the most tasks running at once
 * @param queueCapacity the most tasks waiting for a thread; beyond it work is rejected
 * @param keepAlive how long an idle thread lives
 * @param retryAfter the {@code Retry-After} a rejected request is given
 * @param virtualThreads run each task on a virtual thread (Java 21+) instead of a pooled platform thread; the
 * concurrency and queue limits apply all the same
 * @param queueTarget once the queue stands, the longest the oldest task may have waited for a new one to be accepted
 * @param queueInterval how long the queue must stay non-empty to stand (see {@link StandingQueue})
 */
public record BoundedExecutorSettings(String name, int threads, int queueCapacity, Duration keepAlive,
		Duration retryAfter, boolean virtualThreads, Duration queueTarget, Duration queueInterval) {

	/**
	 * Settings with the default standing-queue bounds ({@link StandingQueue#DEFAULT_TARGET},
	 * {@link StandingQueue#DEFAULT_INTERVAL}).
	 * @param name the gate name, also the thread name prefix
	 * @param threads the most tasks running at once
	 * @param queueCapacity the most tasks waiting for a thread
	 * @param keepAlive how long an idle thread lives
	 * @param retryAfter the {@code Retry-After} a rejected request is given
	 * @param virtualThreads run each task on a virtual thread
	 */
	public BoundedExecutorSettings(String name, int threads, int queueCapacity, Duration keepAlive,
			Duration retryAfter, boolean virtualThreads) {
		this(name, threads, queueCapacity, keepAlive, retryAfter, virtualThreads, StandingQueue.DEFAULT_TARGET,
				StandingQueue.DEFAULT_INTERVAL);
	}

}

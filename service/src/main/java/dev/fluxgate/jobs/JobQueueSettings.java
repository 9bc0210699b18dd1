package dev.fluxgate.jobs;

import java.time.Duration;

/**
 * The settings of one queue, built by the auto-configuration from {@code fluxgate.jobs.*} and
 * {@code fluxgate.jobs.queues.<name>.*}. Public: the auto-configuration lives in another package.
 *
 * @param concurrency handlers running at once in this instance; also the most jobs it reads ahead
 * @param maxAttempts attempts before a job is dead-lettered
 * @param backoffInitial the wait before the second attempt
 * @param backoffMax the longest wait between attempts
 * @param backoffJitter the fraction (0 to 1) of each wait taken off at random, so failed jobs do not retry in step
 * @param attemptTimeout how long one attempt may run before it is cancelled and counted as failed
 * @param visibilityTimeout how long a job may go without a sign of life from its consumer before another instance
 * takes it over; live consumers renew their jobs every third of it
 * @param maxLength the most unfinished jobs (ready, running, delayed) the queue holds; a submit beyond it is refused
 */
public record JobQueueSettings(int concurrency, int maxAttempts, Duration backoffInitial, Duration backoffMax,
		double backoffJitter, Duration attemptTimeout, Duration visibilityTimeout, long maxLength) {

	/**
	 * The wait before the attempt after {@code failedAttempt}: {@code initial × 2^(failedAttempt-1)} capped at
	 * {@code max}, less a random fraction up to {@code jitter}.
	 * @param failedAttempt the attempt that failed, from 1
	 * @param random a number in [0, 1)
	 * @return the wait
	 */
	Duration backoff(int failedAttempt, double random) {
		double wait = Math.min(this.backoffMax.toMillis(),
				this.backoffInitial.toMillis() * Math.pow(2, Math.max(failedAttempt - 1, 0)));
		return Duration.ofMillis(Math.round(wait * (1 - this.backoffJitter * random)));
	}

}

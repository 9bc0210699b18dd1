package dev.fluxgate.jobs;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * What a queue holds in Redis, for the actuator endpoints and the doctor. Public: read by the auto-configuration's
 * endpoints.
 *
 * @param queue the queue
 * @param backlog jobs ready to run that no consumer has taken yet
 * @param pending jobs a consumer has taken and not finished (running, or held by a consumer that died until another
 * takes them over)
 * @param delayed jobs waiting for their delay or their next attempt
 * @param dead dead-lettered jobs
 * @param oldestAge how long the oldest unfinished job in the stream has been ready to run, when there is one
 */
public record JobQueueStats(String queue, long backlog, long pending, long delayed, long dead,
		@Nullable Duration oldestAge) {

}

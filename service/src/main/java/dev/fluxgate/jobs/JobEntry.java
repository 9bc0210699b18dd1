package dev.fluxgate.jobs;

import java.time.Instant;

/**
 * A job as stored in a stream entry.
 *
 * @param entryId the stream entry's id (it changes when a job is rescheduled)
 * @param id the job's id
 * @param payload the encoded payload
 * @param attempts attempts already made
 * @param enqueuedMillis first submit, epoch milliseconds
 */
record JobEntry(String entryId, String id, String payload, int attempts, long enqueuedMillis) {

	Job<String> toJob(String queue, int attempt) {
		return new Job<>(this.id, queue, attempt, Instant.ofEpochMilli(this.enqueuedMillis), this.payload);
	}

}

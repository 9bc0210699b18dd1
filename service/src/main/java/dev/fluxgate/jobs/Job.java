package dev.fluxgate.jobs;

import java.time.Instant;

/**
 * One run of a job as its handler sees it. Declare a {@link JobHandler} method's parameter as {@code Job<T>} instead
 * of {@code T} to get the id, the attempt and the enqueue time along with the payload. Public: handler methods name
 * it.
 *
 * @param id the job's id, the one {@link Jobs#submit(String, Object)} returned; the same on every attempt
 * @param queue the queue
 * @param attempt this attempt's number, from 1 to {@code max-attempts}
 * @param enqueuedAt when the job was first submitted (Redis server time)
 * @param payload the payload, converted to the handler's type
 * @param <T> the payload type
 */
public record Job<T>(String id, String queue, int attempt, Instant enqueuedAt, T payload) {

	/**
	 * The same job with another payload, for converting it.
	 * @param payload the new payload
	 * @param <R> its type
	 * @return the job
	 */
	public <R> Job<R> withPayload(R payload) {
		return new Job<>(this.id, this.queue, this.attempt, this.enqueuedAt, payload);
	}

}

package dev.fluxgate.jobs;

import java.time.Instant;

/**
 * A dead-lettered job, for the {@code jobs} actuator endpoint. Public: read by the auto-configuration's endpoint.
 *
 * @param id the job's id
 * @param attempts the attempts it made
 * @param failedAt when its last attempt failed (Redis server time)
 * @param error its last error
 */
public record DeadLetter(String id, int attempts, Instant failedAt, String error) {

}

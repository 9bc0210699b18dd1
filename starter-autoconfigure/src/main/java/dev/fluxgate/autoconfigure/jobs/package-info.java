/**
 * Auto-configuration of durable jobs ({@code fluxgate.jobs.*}): the {@link dev.fluxgate.jobs.Jobs} bean when the
 * application has a reactive Redis connection factory, a worker per {@link dev.fluxgate.jobs.JobHandler} queue
 * stopped gracefully, the {@code jobs} actuator endpoint, the queues in {@code /actuator/concurrency} and the doctor.
 */
@NullMarked
package dev.fluxgate.autoconfigure.jobs;

import org.jspecify.annotations.NullMarked;

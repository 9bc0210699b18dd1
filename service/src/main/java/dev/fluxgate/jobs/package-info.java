/**
 * Durable background jobs on Redis Streams: {@link dev.fluxgate.jobs.Jobs} stores a job and returns its id, a
 * {@link dev.fluxgate.jobs.JobHandler} method runs it at least once on some instance, retried with exponential backoff
 * and jitter, dead-lettered after its last attempt, and taken over by another instance when its consumer died.
 * <p>
 * Key layout, one Redis Cluster slot per queue (every key of a queue shares the hash tag
 * {@code {fluxgate:jobs:<queue>}}):
 * <ul>
 * <li>{@code {fluxgate:jobs:<queue>}:stream}: the jobs ready to run or running (a stream with the consumer group
 * {@code fluxgate}); an entry is deleted when its job succeeds, fails for good or is rescheduled, so the stream holds
 * only unfinished jobs and needs no trimming;</li>
 * <li>{@code {fluxgate:jobs:<queue>}:delayed}: jobs submitted with a delay and failed attempts waiting for their
 * retry (a sorted set scored by the time they are due);</li>
 * <li>{@code {fluxgate:jobs:<queue>}:dead}: jobs that used up their attempts, with their last error (a stream trimmed
 * to about {@code max-length} entries, oldest first);</li>
 * <li>{@code {fluxgate:jobs:<queue>}:idem:<key>}: the first job id for an idempotency key, expiring after the
 * idempotency window.</li>
 * </ul>
 */
@NullMarked
package dev.fluxgate.jobs;

import org.jspecify.annotations.NullMarked;

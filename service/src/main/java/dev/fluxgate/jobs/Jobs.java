package dev.fluxgate.jobs;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

import dev.fluxgate.overload.CapacityExceededException;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;

/**
 * Durable jobs on Redis Streams, the "use a real queue" of the concurrency playbook: work that must survive a restart,
 * be retried with backoff, and be shared by every replica. {@link #submit(String, Object)} stores a job and returns
 * its id once Redis has it; a {@link JobHandler} method in any instance runs it at least once. A submit to a queue
 * that no instance handles still stores the job, for another service to run.
 * <p>
 * A queue refuses a submit with a {@link CapacityExceededException} (503 {@code jobs-queue-full} when it reaches a
 * request) once it holds {@code max-length} unfinished jobs, rather than trimming jobs nobody ran. Public: the bean
 * applications inject.
 */
public final class Jobs implements AutoCloseable {

	/** The {@code reason} of a refused submit: the queue holds {@code max-length} unfinished jobs. */
	public static final String REASON_QUEUE_FULL = "jobs-queue-full";

	private final JobStore store;

	private final JobCodec codec;

	private final JobsSettings settings;

	private final @Nullable MeterRegistry meterRegistry;

	private final Map<String, JobMeters> meters = new ConcurrentHashMap<>();

	private final Map<String, JobWorker> workers = new ConcurrentHashMap<>();

	/** One per queue submitted to: a queue's submits are coalesced into few script calls. */
	private final Map<String, SubmitBatcher> batchers = new ConcurrentHashMap<>();

	/**
	 * Jobs stored through a connection factory.
	 * @param connectionFactory the application's reactive Redis connections
	 * @param codec payload conversion
	 * @param settings every queue's settings
	 * @param meterRegistry where to publish meters, if anywhere
	 */
	public Jobs(ReactiveRedisConnectionFactory connectionFactory, JobCodec codec, JobsSettings settings,
			@Nullable MeterRegistry meterRegistry) {
		this.store = new JobStore(connectionFactory);
		this.codec = codec;
		this.settings = settings;
		this.meterRegistry = meterRegistry;
	}

	/**
	 * Store a job to run as soon as a handler is free.
	 * @param queue the queue
	 * @param payload the payload, converted with the application's JSON mapper
	 * @return the job's id, once Redis has the job
	 */
	public Mono<String> submit(String queue, Object payload) {
		return submit(queue, payload, SubmitOptions.none());
	}

	/**
	 * Store a job with a delay or an idempotency key.
	 * @param queue the queue
	 * @param payload the payload, converted with the application's JSON mapper
	 * @param options the delay and idempotency key
	 * @return the job's id once Redis has the job; the first job's id for a repeated idempotency key
	 */
	public Mono<String> submit(String queue, Object payload, SubmitOptions options) {
		return Mono.defer(() -> {
			JobQueueSettings queueSettings = this.settings.queue(queue);
			SubmitBatcher batcher = this.batchers.computeIfAbsent(queue,
					(name) -> new SubmitBatcher(this.store, JobKeys.of(name), queueSettings.maxLength()));
			String text = this.codec.encode(payload);
			Duration window = (options.getIdempotencyWindow() != null) ? options.getIdempotencyWindow()
					: this.settings.idempotencyWindow();
			return batcher.submit(new JobStore.NewJob(newId(), text, options.getDelay(), options.getIdempotencyKey(),
					window)).flatMap((result) -> {
						if (result.status() < 0) {
							return Mono.error(new CapacityExceededException(REASON_QUEUE_FULL,
									"The job queue '%s' holds its maximum of %d unfinished jobs"
										.formatted(queue, queueSettings.maxLength()),
									Duration.ofSeconds(1)));
						}
						if (result.status() > 0) {
							meters(queue).submitted();
							JobWorker worker = this.workers.get(queue);
							if (worker != null && !options.getDelay().isZero()) {
								worker.dueIn(options.getDelay());
							}
						}
						return Mono.just(result.id());
					});
		});
	}

	/**
	 * What a queue holds in Redis now.
	 * @param queue the queue
	 * @return its stats
	 */
	public Mono<JobQueueStats> stats(String queue) {
		return Mono.defer(() -> this.store.stats(JobKeys.of(queue)));
	}

	/**
	 * The newest dead letters of a queue.
	 * @param queue the queue
	 * @param max at most this many
	 * @return the dead letters, newest first
	 */
	public Mono<List<DeadLetter>> deadLetters(String queue, int max) {
		return Mono.defer(() -> this.store.deadLetters(JobKeys.of(queue), max));
	}

	/**
	 * Put dead-lettered jobs back in their queue, oldest first, with their attempts reset.
	 * @param queue the queue
	 * @param max at most this many
	 * @return how many were put back
	 */
	public Mono<Integer> replay(String queue, int max) {
		return Mono.defer(() -> this.store.replay(JobKeys.of(queue), max));
	}

	/**
	 * The queues this instance knows: configured, handled or submitted to.
	 * @return their names, sorted
	 */
	public Set<String> queues() {
		Set<String> queues = new TreeSet<>(this.settings.queues().keySet());
		queues.addAll(this.meters.keySet());
		queues.addAll(this.workers.keySet());
		return queues;
	}

	/**
	 * The worker of a queue in this instance: called by the auto-configuration for each {@link JobHandler} method.
	 * @param queue the queue
	 * @param handler runs one attempt of a job whose payload is still the stored text
	 * @param consumer this instance's consumer name, unique among the instances
	 * @return the worker, not started
	 */
	public JobWorker worker(String queue, Function<Job<String>, Mono<?>> handler, String consumer) {
		JobKeys keys = JobKeys.of(queue);
		JobWorker worker = new JobWorker(keys, this.settings.queue(queue), this.settings.pollTimeout(), this.store,
				handler, meters(queue), consumer, this.meterRegistry);
		if (this.workers.putIfAbsent(queue, worker) != null) {
			throw new IllegalStateException("The job queue '" + queue + "' has two handlers in this instance");
		}
		return worker;
	}

	/**
	 * The workers of this instance.
	 * @return the workers by queue
	 */
	public Map<String, JobWorker> workers() {
		return Map.copyOf(this.workers);
	}

	/**
	 * Release this bean's connection handle (the application's shared Redis connection stays open); called when the
	 * context closes, after the workers stopped.
	 */
	@Override
	public void close() {
		this.store.close();
	}

	JobMeters meters(String queue) {
		return this.meters.computeIfAbsent(queue, (name) -> new JobMeters(name, this.meterRegistry));
	}

	/** Time-ordered and random; not a UUID, whose secure random source may block an event loop. */
	private static String newId() {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		return Long.toHexString(System.currentTimeMillis()) + "-" + Long.toHexString(random.nextLong() | Long.MIN_VALUE);
	}

}

package dev.fluxgate.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import dev.fluxgate.gate.Gate;
import dev.fluxgate.gate.GateSnapshot;
import dev.fluxgate.gate.GateStats;
import dev.fluxgate.offload.BoundedExecutor;
import dev.fluxgate.overload.CapacityExceededException;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.NestedExceptionUtils;
import org.springframework.data.redis.connection.ReactiveRedisConnection;

/**
 * Runs one queue's jobs in this instance. A {@link Gate} of kind {@code jobs}: its limit is the queue's concurrency,
 * and it never reads more jobs from Redis than it has free slots ({@code XREADGROUP COUNT} = free slots), so an
 * instance holds no job it cannot start. One read loop per queue, with a connection of its own for the blocking read:
 * <ol>
 * <li>take over jobs whose consumer gave no sign of life for the visibility timeout ({@code XAUTOCLAIM});</li>
 * <li>move due delayed jobs and retries into the stream;</li>
 * <li>read new jobs, waiting at most the poll timeout (less when a delayed job falls due sooner).</li>
 * </ol>
 * A job is acknowledged and deleted only after its handler succeeded (acknowledgements are batched: what finishes
 * while one is in flight goes in the next). A failed attempt is rescheduled with backoff, or dead-lettered after the
 * last, in one script. Running jobs are renewed every third of the visibility timeout, so a live instance keeps them.
 * Public: the auto-configuration registers and stops it.
 */
public final class JobWorker implements Gate {

	private static final Logger logger = LoggerFactory.getLogger(JobWorker.class);

	/** The {@link #kind()} of job gates. */
	public static final String KIND = "jobs";

	private static final int PROMOTE_BATCH = 1000;

	private static final int MAX_ERROR_LENGTH = 2000;

	private static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(1);

	private static final Duration STATS_INTERVAL = Duration.ofSeconds(5);

	private static final Duration HISTORY = Duration.ofMinutes(10);

	private final JobKeys keys;

	private final JobQueueSettings settings;

	private final Duration pollTimeout;

	private final JobStore store;

	private final Function<Job<String>, Mono<?>> handler;

	private final JobMeters meters;

	private final String consumer;

	private final GateStats stats;

	private final AtomicInteger free;

	private final Map<String, Running> running = new ConcurrentHashMap<>();

	private final AtomicBoolean reading = new AtomicBoolean();

	private final Queue<String> acks = new ConcurrentLinkedQueue<>();

	private final AtomicBoolean acking = new AtomicBoolean();

	private final AtomicInteger settling = new AtomicInteger();

	private final Deque<Sample> history = new ArrayDeque<>();

	private final AtomicLong nextPromoteAt = new AtomicLong();

	private volatile long nextReclaimAt;

	private volatile boolean started;

	private volatile boolean stopping;

	private volatile boolean groupReady;

	private volatile boolean failing;

	private volatile @Nullable ReactiveRedisConnection connection;

	private volatile @Nullable JobQueueStats latest;

	private volatile Disposable timers = Disposables.disposed();

	JobWorker(JobKeys keys, JobQueueSettings settings, Duration pollTimeout, JobStore store,
			Function<Job<String>, Mono<?>> handler, JobMeters meters, String consumer,
			@Nullable MeterRegistry meterRegistry) {
		this.keys = keys;
		this.settings = settings;
		this.pollTimeout = pollTimeout;
		this.store = store;
		this.handler = handler;
		this.meters = meters;
		this.consumer = consumer;
		this.free = new AtomicInteger(settings.concurrency());
		this.stats = new GateStats(keys.queue(), KIND, meterRegistry);
	}

	/**
	 * Start reading jobs. Returns at once: connecting, creating the consumer group and every Redis call happen in
	 * the background, retried every second while Redis is unreachable.
	 */
	public void start() {
		if (this.started) {
			return;
		}
		this.stopping = false;
		this.started = true;
		this.meters.gauges(() -> this.latest);
		Duration renewEvery = this.settings.visibilityTimeout().dividedBy(3);
		this.timers = Disposables.composite(
				Flux.interval(renewEvery, renewEvery).onBackpressureDrop().concatMap((tick) -> renew(), 1).subscribe(),
				Flux.interval(Duration.ZERO, STATS_INTERVAL).onBackpressureDrop()
					.concatMap((tick) -> refreshStats(), 1).subscribe());
		pump();
	}

	/**
	 * Stop taking jobs and let running ones finish within the timeout. Jobs still running then are cancelled and
	 * handed back to the queue at once (their attempt not counted), for another instance to take; jobs never read
	 * stay in the queue. Blocks the calling thread (a shutdown thread) at most about the timeout.
	 * @param timeout how long running jobs may take to finish
	 */
	public void stop(Duration timeout) {
		if (!this.started) {
			return;
		}
		this.stopping = true;
		int runningAtStop = this.running.size();
		boolean finished = Flux.interval(Duration.ofMillis(20))
			.filter((tick) -> !this.reading.get() && this.running.isEmpty() && this.settling.get() == 0)
			.next()
			.map((tick) -> true)
			.timeout(timeout, Mono.just(false))
			.blockOptional()
			.orElse(false);
		int handedBack = 0;
		if (!finished) {
			List<Running> left = new ArrayList<>(this.running.values());
			handedBack = left.size();
			Flux.fromIterable(left)
				.flatMap((job) -> {
					job.subscription().dispose();
					this.running.remove(job.entry().entryId());
					return handBack(job.entry(), "cancelled by the shutdown of its instance");
				})
				.then()
				.timeout(Duration.ofSeconds(5), Mono.empty())
				.onErrorResume((ex) -> Mono.empty())
				.block();
		}
		Flux.interval(Duration.ofMillis(10))
			.doOnNext((tick) -> flushAcks())
			.filter((tick) -> this.acks.isEmpty() && !this.acking.get())
			.next()
			.timeout(Duration.ofSeconds(5), Mono.empty())
			.block();
		this.timers.dispose();
		ReactiveRedisConnection connection = this.connection;
		this.connection = null;
		if (connection != null) {
			connection.closeLater().onErrorResume((ex) -> Mono.empty()).subscribe();
		}
		this.started = false;
		logger.info("Stopped the jobs worker of queue '{}': {} job(s) were running, {} finished, {} handed back to the queue",
				this.keys.queue(), runningAtStop, runningAtStop - Math.min(handedBack, runningAtStop), handedBack);
	}

	/**
	 * Bring forward the next look at delayed jobs, for one submitted here.
	 * @param delay how long until it is due
	 */
	void dueIn(Duration delay) {
		long due = System.currentTimeMillis() + delay.toMillis();
		this.nextPromoteAt.accumulateAndGet(due, Math::min);
	}

	/** Starts a read cycle when none runs, a slot is free and the worker is not stopping. */
	private void pump() {
		if (!this.started || this.stopping || this.free.get() <= 0 || !this.reading.compareAndSet(false, true)) {
			return;
		}
		if (this.stopping) {
			// stop() began between the check and taking the token: it waits for the token, so give it back.
			this.reading.set(false);
			return;
		}
		cycle().onErrorResume(this::readFailed).doFinally((signal) -> {
			this.reading.set(false);
			pump();
		}).subscribe(null, (ex) -> logger.debug("Read cycle of queue '{}' failed", this.keys.queue(), ex));
	}

	private Mono<Void> cycle() {
		return connection().flatMap((connection) -> prepareGroup()
			.then(Mono.defer(this::reclaim))
			.then(Mono.defer(this::promote))
			.then(Mono.defer(() -> read(connection))))
			.doOnSuccess((done) -> recovered());
	}

	private Mono<ReactiveRedisConnection> connection() {
		ReactiveRedisConnection connection = this.connection;
		if (connection != null) {
			return Mono.just(connection);
		}
		return this.store.openConnection().doOnNext((opened) -> this.connection = opened);
	}

	private Mono<Void> prepareGroup() {
		if (this.groupReady) {
			return Mono.empty();
		}
		return this.store.createGroup(this.keys).doOnSuccess((done) -> this.groupReady = true);
	}

	private Mono<Void> reclaim() {
		long now = System.currentTimeMillis();
		int slots = this.free.get();
		if (now < this.nextReclaimAt || slots <= 0 || this.stopping) {
			return Mono.empty();
		}
		this.nextReclaimAt = now + Math.max(100, this.settings.visibilityTimeout().toMillis() / 2);
		return this.store.reclaim(this.keys, this.consumer, this.settings.visibilityTimeout(), slots)
			.doOnNext((entry) -> dispatch(entry, true))
			.then();
	}

	private Mono<Void> promote() {
		long now = System.currentTimeMillis();
		if (now < this.nextPromoteAt.get()) {
			return Mono.empty();
		}
		return this.store.promote(this.keys, PROMOTE_BATCH).doOnNext((promoted) -> {
			long next = now + this.pollTimeout.toMillis();
			if (promoted.moved() >= PROMOTE_BATCH) {
				next = now;
			}
			else if (promoted.nextDueIn() != null) {
				next = Math.min(next, now + promoted.nextDueIn().toMillis());
			}
			long until = next;
			this.nextPromoteAt.updateAndGet((current) -> (current > now) ? Math.min(current, until) : until);
		}).then();
	}

	private Mono<Void> read(ReactiveRedisConnection connection) {
		int slots = this.free.get();
		if (slots <= 0 || this.stopping) {
			return Mono.empty();
		}
		long untilPromote = this.nextPromoteAt.get() - System.currentTimeMillis();
		if (untilPromote <= 0) {
			return Mono.empty();
		}
		Duration block = Duration.ofMillis(Math.max(1, Math.min(untilPromote, this.pollTimeout.toMillis())));
		return this.store.read(connection, this.keys, this.consumer, slots, block)
			.doOnNext((entry) -> dispatch(entry, false))
			.then();
	}

	private Mono<Void> readFailed(Throwable ex) {
		if (this.stopping) {
			return Mono.empty();
		}
		if (causedByMissingGroup(ex)) {
			// The stream was deleted (and its group with it): create both again.
			this.groupReady = false;
			return Mono.empty();
		}
		if (!this.failing) {
			this.failing = true;
			logger.warn("The jobs worker of queue '{}' cannot read from Redis ({}); retrying every {}",
					this.keys.queue(), NestedExceptionUtils.getMostSpecificCause(ex).toString(), RETRY_AFTER_FAILURE);
		}
		else if (logger.isDebugEnabled()) {
			logger.debug("The jobs worker of queue '{}' still cannot read from Redis", this.keys.queue(), ex);
		}
		return Mono.delay(RETRY_AFTER_FAILURE).then();
	}

	private static boolean causedByMissingGroup(Throwable ex) {
		for (Throwable cause = ex; cause != null; cause = (cause.getCause() != cause) ? cause.getCause() : null) {
			if (String.valueOf(cause.getMessage()).contains("NOGROUP")) {
				return true;
			}
		}
		return false;
	}

	private void recovered() {
		if (this.failing) {
			this.failing = false;
			logger.info("The jobs worker of queue '{}' reads from Redis again", this.keys.queue());
		}
	}

	/** Runs a job read from Redis; the read asked for no more than the free slots, so one is free for it. */
	private void dispatch(JobEntry entry, boolean reclaimed) {
		this.free.decrementAndGet();
		if (this.running.containsKey(entry.entryId())) {
			// Taken over from ourselves after renewing failed for a while: it is still running here.
			release();
			return;
		}
		if (this.stopping) {
			// Read while the worker began to stop: not started, so another instance may take it at once.
			settleThenRelease(handBack(entry, "read while its instance was stopping"));
			return;
		}
		// A job taken over from a consumer that died counts that lost delivery as an attempt.
		int attempt = entry.attempts() + (reclaimed ? 2 : 1);
		if (reclaimed) {
			logger.warn("Job {} of queue '{}' was taken over after its consumer gave no sign of life for {}",
					entry.id(), this.keys.queue(), this.settings.visibilityTimeout());
			if (attempt > this.settings.maxAttempts()) {
				this.meters.failedAttempt();
				settleThenRelease(deadLetter(entry, attempt - 1, "its consumer stopped during the last attempt"));
				return;
			}
		}
		this.stats.admitted(0);
		Running job = new Running(entry, Disposables.swap());
		this.running.put(entry.entryId(), job);
		Mono<?> attemptRun = Mono.defer(() -> this.handler.apply(entry.toJob(this.keys.queue(), attempt)))
			.timeout(this.settings.attemptTimeout());
		job.subscription()
			.update(attemptRun.then().subscribe(null, (ex) -> failed(entry, attempt, ex), () -> succeeded(entry)));
	}

	private void succeeded(JobEntry entry) {
		if (this.running.remove(entry.entryId()) == null) {
			return;
		}
		this.meters.completed();
		this.acks.add(entry.entryId());
		release();
		flushAcks();
	}

	private void failed(JobEntry entry, int attempt, Throwable ex) {
		if (this.running.remove(entry.entryId()) == null) {
			return;
		}
		if (ex instanceof CapacityExceededException overload
				&& BoundedExecutor.REASON_FULL.equals(overload.getReason())) {
			// Never started (the blocking executor was full): not an attempt.
			settleThenRelease(this.store
				.settle(this.keys, entry, attempt - 1, describe(ex), this.settings.backoffInitial(), this.settings.maxLength())
				.then());
			return;
		}
		this.meters.failedAttempt();
		String error = (ex instanceof TimeoutException)
				? "the attempt timed out after " + this.settings.attemptTimeout() : describe(ex);
		if (attempt >= this.settings.maxAttempts()) {
			logger.error("Job {} of queue '{}' failed its last attempt ({}/{}) and was dead-lettered: {}", entry.id(),
					this.keys.queue(), attempt, this.settings.maxAttempts(), error, ex);
			settleThenRelease(deadLetter(entry, attempt, error));
			return;
		}
		Duration delay = this.settings.backoff(attempt, ThreadLocalRandom.current().nextDouble());
		logger.warn("Job {} of queue '{}' failed attempt {}/{}, retrying in {}: {}", entry.id(), this.keys.queue(),
				attempt, this.settings.maxAttempts(), delay, error);
		if (logger.isDebugEnabled()) {
			logger.debug("Failure of job {} of queue '{}'", entry.id(), this.keys.queue(), ex);
		}
		dueIn(delay);
		settleThenRelease(this.store.settle(this.keys, entry, attempt, error, delay, this.settings.maxLength()).then());
	}

	private Mono<Void> deadLetter(JobEntry entry, int attempts, String error) {
		return this.store.settle(this.keys, entry, attempts, error, null, this.settings.maxLength())
			.doOnNext((held) -> {
				if (held) {
					this.meters.deadLettered();
				}
			})
			.then();
	}

	private Mono<Void> handBack(JobEntry entry, String reason) {
		return this.store.settle(this.keys, entry, entry.attempts(), reason, Duration.ZERO, this.settings.maxLength())
			.then();
	}

	/** The slot stays taken until Redis has the outcome, so a stop waits for it too. */
	private void settleThenRelease(Mono<Void> settle) {
		this.settling.incrementAndGet();
		settle.onErrorResume((ex) -> {
			logger.warn("Could not record the outcome of a job of queue '{}' in Redis ({}); it is taken over after the visibility timeout",
					this.keys.queue(), ex.toString());
			return Mono.empty();
		}).doFinally((signal) -> {
			this.settling.decrementAndGet();
			release();
		}).subscribe();
	}

	private void release() {
		this.free.incrementAndGet();
		pump();
	}

	/** One acknowledgement in flight at a time; what finishes meanwhile goes in the next batch. */
	private void flushAcks() {
		if (this.acks.isEmpty() || !this.acking.compareAndSet(false, true)) {
			return;
		}
		List<String> batch = new ArrayList<>();
		String entryId;
		while (batch.size() < 1000 && (entryId = this.acks.poll()) != null) {
			batch.add(entryId);
		}
		if (batch.isEmpty()) {
			this.acking.set(false);
			return;
		}
		this.store.ack(this.keys, batch).subscribe(null, (ex) -> {
			logger.warn("Could not acknowledge {} finished job(s) of queue '{}' ({}); retrying", batch.size(),
					this.keys.queue(), ex.toString());
			this.acks.addAll(batch);
			Mono.delay(RETRY_AFTER_FAILURE).subscribe((tick) -> {
				this.acking.set(false);
				flushAcks();
			});
		}, () -> {
			this.acking.set(false);
			flushAcks();
		});
	}

	private Mono<Void> renew() {
		if (this.running.isEmpty()) {
			return Mono.empty();
		}
		return this.store.renew(this.keys, this.consumer, new ArrayList<>(this.running.keySet()))
			.onErrorResume((ex) -> {
				logger.debug("Could not renew the running jobs of queue '{}'", this.keys.queue(), ex);
				return Mono.empty();
			});
	}

	private Mono<Void> refreshStats() {
		return this.store.stats(this.keys).doOnNext((stats) -> {
			this.latest = stats;
			synchronized (this.history) {
				this.history.addLast(new Sample(Instant.now(), stats, this.meters.completedCount.sum(),
						this.meters.failedCount.sum(), this.meters.deadCount.sum()));
				while (!this.history.isEmpty()
						&& this.history.peekFirst().at().isBefore(Instant.now().minus(HISTORY))) {
					this.history.removeFirst();
				}
			}
		}).then().onErrorResume((ex) -> {
			logger.debug("Could not read the stats of queue '{}'", this.keys.queue(), ex);
			return Mono.empty();
		});
	}

	/**
	 * The queue's latest stats as this worker last read them (every 5 seconds).
	 * @return the stats, once read
	 */
	public @Nullable JobQueueStats latestStats() {
		return this.latest;
	}

	/**
	 * The recent history of the queue as this worker saw it, oldest first, for the doctor.
	 * @return the samples of the last 10 minutes
	 */
	public List<Sample> history() {
		synchronized (this.history) {
			return List.copyOf(this.history);
		}
	}

	/**
	 * One look at a queue.
	 *
	 * @param at when
	 * @param stats what Redis held
	 * @param completed jobs this instance completed since it started
	 * @param failedAttempts attempts that failed in this instance since it started
	 * @param deadLettered jobs this instance dead-lettered since it started
	 */
	public record Sample(Instant at, JobQueueStats stats, long completed, long failedAttempts, long deadLettered) {

	}

	/**
	 * The queue's settings.
	 * @return the settings
	 */
	public JobQueueSettings settings() {
		return this.settings;
	}

	@Override
	public String name() {
		return this.keys.queue();
	}

	@Override
	public String kind() {
		return KIND;
	}

	@Override
	public GateSnapshot snapshot() {
		return new GateSnapshot(name(), kind(), this.settings.concurrency(),
				Math.max(0, this.settings.concurrency() - this.free.get()), 0, this.stats.admittedCount(), Map.of());
	}

	private static String describe(Throwable ex) {
		String text = ex.toString();
		return (text.length() > MAX_ERROR_LENGTH) ? text.substring(0, MAX_ERROR_LENGTH) : text;
	}

	private record Running(JobEntry entry, Disposable.Swap subscription) {

	}

}

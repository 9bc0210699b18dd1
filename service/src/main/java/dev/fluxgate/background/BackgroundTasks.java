package dev.fluxgate.background;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.fluxgate.gate.Gate;
import dev.fluxgate.gate.GateSnapshot;
import dev.fluxgate.gate.GateStats;
import dev.fluxgate.offload.BoundedExecutor;
import dev.fluxgate.offload.BoundedExecutorSettings;
import dev.fluxgate.offload.OffloadRejectedException;
import dev.fluxgate.overload.CapacityExceededException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.web.server.ServerWebExchange;

/**
 * Fire-and-forget work that runs after (or beside) a response, in this process, with bounds: at most
 * {@code concurrency} tasks run and {@code queueCapacity} wait, on a {@link BoundedExecutor} (its threads, queue
 * and shutdown; the slots are counted here, so a task registered for after the response holds one from
 * registration). A task beyond that is refused at submission with a
 * {@link CapacityExceededException} (503 + {@code Retry-After} if it escapes a handler), never silently dropped. A
 * failing task is logged and counted. {@link #shutdown(Duration)} runs what is queued within a timeout and logs what
 * it drained and what it had to drop.
 * <p>
 * This is not a queue: tasks live only in memory and are lost if the process dies. Work that must survive a crash
 * belongs in a message broker.
 * <p>
 * Meters: the gate meters ({@code fluxgate.gate.*}, gate {@code background}, kind {@code background}), counter
 * {@code fluxgate.background.completed} (tag {@code outcome}: {@code success}, {@code failure}) and counter
 * {@code fluxgate.background.dropped} (tasks given up at shutdown).
 */
public final class BackgroundTasks implements Gate {

	private static final Logger logger = LoggerFactory.getLogger(BackgroundTasks.class);

	/** The {@code reason} of a rejection because every running and queued slot is taken. */
	public static final String REASON_FULL = "background-full";

	/** The {@code reason} of a rejection because the application is shutting down. */
	public static final String REASON_STOPPED = "background-stopped";

	static final String AFTER_RESPONSE_ATTRIBUTE = BackgroundTasks.class.getName() + ".afterResponse";

	private final BackgroundTasksSettings settings;

	private static final Duration KEEP_ALIVE = Duration.ofSeconds(30);

	private final BoundedExecutor pool;

	private final Semaphore slots;

	private final GateStats stats;

	private final AtomicInteger running = new AtomicInteger();

	private final Counter succeeded;

	private final Counter failed;

	private final Counter dropped;

	/**
	 * Background tasks.
	 * @param settings the bounds
	 * @param registry where to publish meters; without one the tasks are counted but not published
	 */
	public BackgroundTasks(BackgroundTasksSettings settings, @Nullable MeterRegistry registry) {
		this.settings = settings;
		MeterRegistry meters = (registry != null) ? registry : new CompositeMeterRegistry();
		this.stats = new GateStats(name(), kind(), meters);
		this.succeeded = completedCounter(meters, "success");
		this.failed = completedCounter(meters, "failure");
		this.dropped = Counter.builder("fluxgate.background.dropped")
			.description("Background tasks given up when the application stopped before they could run")
			.register(meters);
		this.slots = new Semaphore(settings.concurrency() + settings.queueCapacity());
		// The semaphore bounds the work; the executor's queue has room for it all and more, since a task gives its
		// slot back just before its thread is free. The executor's own meters are not published: these are.
		this.pool = new BoundedExecutor(new BoundedExecutorSettings(name(), settings.concurrency(),
				2 * settings.concurrency() + settings.queueCapacity(), KEEP_ALIVE, settings.retryAfter(), false), null);
	}

	private static Counter completedCounter(MeterRegistry registry, String outcome) {
		return Counter.builder("fluxgate.background.completed")
			.description("Background tasks that ran to an end")
			.tag("outcome", outcome)
			.register(registry);
	}

	/**
	 * Run a task in the background now.
	 * @param task the task
	 * @throws CapacityExceededException when every running and queued slot is taken, or after shutdown began
	 */
	public void submit(Runnable task) {
		if (!this.slots.tryAcquire()) {
			throw rejected(REASON_FULL, "Too many background tasks: %d running and %d queued"
				.formatted(this.running.get(), queued()));
		}
		try {
			this.pool.execute(new Task(task));
		}
		catch (OffloadRejectedException ex) {
			this.slots.release();
			throw rejected(REASON_FULL, "Too many background tasks: " + ex.getMessage());
		}
		catch (RejectedExecutionException ex) {
			this.slots.release();
			throw rejected(REASON_STOPPED, "Background tasks are no longer accepted: the application is stopping");
		}
	}

	/**
	 * Run a task once the response to this exchange is complete, like FastAPI's {@code BackgroundTasks}. The slot is
	 * taken now, so a full executor refuses the request (503) rather than losing the task later. Needs the
	 * {@link BackgroundTasksWebFilter}, which the Fluxgate starter registers.
	 * @param exchange the current exchange
	 * @param task the task
	 * @throws CapacityExceededException when every running and queued slot is taken, or after shutdown began
	 */
	public void afterResponse(ServerWebExchange exchange, Runnable task) {
		if (this.pool.isShutdown()) {
			throw rejected(REASON_STOPPED, "Background tasks are no longer accepted: the application is stopping");
		}
		if (!this.slots.tryAcquire()) {
			throw rejected(REASON_FULL, "Too many background tasks: %d running and %d queued"
				.formatted(this.running.get(), queued()));
		}
		@Nullable List<Runnable> pending = exchange.getAttribute(AFTER_RESPONSE_ATTRIBUTE);
		if (pending == null) {
			pending = new ArrayList<>();
			exchange.getAttributes().put(AFTER_RESPONSE_ATTRIBUTE, pending);
		}
		synchronized (pending) {
			pending.add(task);
		}
	}

	/** Called by the web filter when the exchange is complete; the tasks' slots are already taken. */
	void runAfterResponse(ServerWebExchange exchange) {
		@Nullable List<Runnable> pending = exchange.getAttribute(AFTER_RESPONSE_ATTRIBUTE);
		if (pending == null) {
			return;
		}
		List<Runnable> tasks;
		synchronized (pending) {
			tasks = List.copyOf(pending);
			pending.clear();
		}
		for (Runnable task : tasks) {
			try {
				this.pool.execute(new Task(task));
			}
			catch (RejectedExecutionException ex) {
				this.slots.release();
				this.dropped.increment();
				logger.warn("Dropped a background task submitted by a request: the application is stopping");
			}
		}
	}

	private CapacityExceededException rejected(String reason, String detail) {
		this.stats.rejected(reason);
		logger.debug("Rejected a background task: {}", detail);
		return new CapacityExceededException(reason, detail, this.settings.retryAfter());
	}

	/**
	 * Stop accepting tasks, run what is queued within the timeout, then give up on the rest. What is drained is logged
	 * (INFO, when there was anything); what had to be dropped (never started) or interrupted (still running) is logged
	 * as a WARN and counted ({@code fluxgate.background.dropped}).
	 * @param timeout how long to wait for queued and running tasks; zero or negative gives up at once
	 * @return the number of tasks dropped or interrupted; 0 when everything ran
	 */
	public int shutdown(Duration timeout) {
		int running = this.running.get();
		int queued = queued();
		this.pool.shutdown();
		long start = System.nanoTime();
		if (running + queued > 0) {
			logger.info("Draining {} background tasks ({} running, {} queued) within {} ms", running + queued, running,
					queued, Math.max(timeout.toMillis(), 0));
		}
		try {
			if (this.pool.awaitTermination(Math.max(timeout.toNanos(), 0), TimeUnit.NANOSECONDS)) {
				if (running + queued > 0) {
					logger.info("Drained {} background tasks in {} ms", running + queued,
							TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
				}
				return 0;
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		int interrupted = this.running.get();
		int neverStarted = this.pool.shutdownNow().size();
		int lost = neverStarted + interrupted;
		this.dropped.increment(lost);
		logger.warn("Background tasks did not finish within {} ms: dropped {} queued tasks and interrupted {} running",
				Math.max(timeout.toMillis(), 0), neverStarted, interrupted);
		return lost;
	}

	/**
	 * Whether {@link #shutdown(Duration)} has begun.
	 * @return {@code true} once shutting down
	 */
	public boolean isShutdown() {
		return this.pool.isShutdown();
	}

	private int queued() {
		return this.pool.snapshot().queued();
	}

	@Override
	public String name() {
		return "background";
	}

	@Override
	public String kind() {
		return "background";
	}

	@Override
	public GateSnapshot snapshot() {
		return new GateSnapshot(name(), kind(), this.settings.concurrency(), this.running.get(), queued(),
				this.stats.admittedCount(), this.stats.rejectedCounts());
	}

	private final class Task implements Runnable {

		private final Runnable task;

		private final long submittedAt = System.nanoTime();

		Task(Runnable task) {
			this.task = task;
		}

		@Override
		public void run() {
			BackgroundTasks.this.stats.admitted(System.nanoTime() - this.submittedAt);
			BackgroundTasks.this.running.incrementAndGet();
			try {
				this.task.run();
				BackgroundTasks.this.succeeded.increment();
			}
			catch (RuntimeException | Error ex) {
				BackgroundTasks.this.failed.increment();
				logger.error("Background task failed", ex);
			}
			finally {
				BackgroundTasks.this.running.decrementAndGet();
				BackgroundTasks.this.slots.release();
			}
		}

	}

}

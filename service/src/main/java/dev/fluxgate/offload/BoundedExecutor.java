package dev.fluxgate.offload;

import java.util.List;
import java.util.Map;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import dev.fluxgate.gate.Gate;
import dev.fluxgate.gate.GateSnapshot;
import dev.fluxgate.gate.GateStats;
import dev.fluxgate.limit.StandingQueue;
import dev.fluxgate.overload.CapacityExceededException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.core.task.AsyncTaskExecutor;

/**
 * An executor with bounded threads and a bounded queue that says no instead of letting latency grow: when every
 * thread is busy and the queue is full, {@link #execute(Runnable)} throws an {@link OffloadRejectedException} that
 * carries a 503 with {@code Retry-After}. It is a {@link Gate} of kind {@code offload}: queue wait, running tasks,
 * queued tasks and rejections are published under {@code fluxgate.gate.*}; completed tasks under
 * {@code fluxgate.offload.completed}, cancelled ones (a client that went away, an expired deadline) under
 * {@code fluxgate.offload.cancelled}.
 * <p>
 * The queue bounds waiting time too, not only its length: once it stands (non-empty for
 * {@link BoundedExecutorSettings#queueInterval()} while the threads turned over twice, see {@link StandingQueue}), a
 * new task is rejected at once while the oldest queued one has waited longer than
 * {@link BoundedExecutorSettings#queueTarget()}: it would wait at least as long, and the queue drains back to that
 * wait. The refusal costs no wait and no stack trace. The queue stands until a whole interval passes without a refusal.
 * <p>
 * Two details make it fit Reactor and WebFlux:
 * <ul>
 * <li>It is an {@link java.util.concurrent.ExecutorService}, so {@code Schedulers.fromExecutor} wraps it as a
 * delegating scheduler, whose rejections reach the subscriber as an error signal (a plain {@code Executor}'s are also
 * reported to the calling thread's uncaught-exception handler: one stderr line per rejected request). Cancelling a
 * queued task (a client that went away) takes it out of the queue.</li>
 * <li>A task submitted from one of its own threads, by a task it runs from its queue, runs at once on that thread.
 * WebFlux hands an imperative controller method to the executor twice, with {@code subscribeOn} and then
 * {@code publishOn}; run inline, the second hand-off needs no second queue slot, so a request admitted once is never
 * rejected half-way. Only that one level: a task submitted by a task already running inline is queued like any other.
 * Otherwise work that ends by starting the next one (a method's share handed to its next waiter as a request
 * completes) would run that next request nested on the same stack, and the next, until the thread died of a
 * {@link StackOverflowError} with every request on its stack.</li>
 * </ul>
 */
public final class BoundedExecutor extends AbstractExecutorService implements AsyncTaskExecutor, Gate {

	private static final Logger logger = LoggerFactory.getLogger(BoundedExecutor.class);

	/** The {@code reason} of a rejection: the executor had no free thread and no free queue slot. */
	public static final String REASON_FULL = "offload-full";

	/** The admitted task running on this thread; a thread belongs to one executor. */
	private static final ThreadLocal<BoundedExecutor.TrackedFuture<?>> RUNNING = new ThreadLocal<>();

	private final BoundedExecutorSettings settings;

	private final ThreadPoolExecutor pool;

	private final GateStats stats;

	private final AtomicInteger active = new AtomicInteger();

	private final Counter completed;

	private final Counter cancelled;

	private final StandingQueue standing;

	/**
	 * An executor.
	 * @param settings its bounds
	 * @param registry where to publish meters; without one the executor counts but does not publish
	 */
	public BoundedExecutor(BoundedExecutorSettings settings, @Nullable MeterRegistry registry) {
		this(settings, registry, System::nanoTime);
	}

	BoundedExecutor(BoundedExecutorSettings settings, @Nullable MeterRegistry registry, LongSupplier nanoClock) {
		this.settings = settings;
		this.standing = new StandingQueue(settings.queueTarget(), settings.queueInterval(),
				(long) StandingQueue.DEFAULT_TURNOVERS * settings.threads(), nanoClock);
		MeterRegistry meters = (registry != null) ? registry : new CompositeMeterRegistry();
		this.stats = new GateStats(settings.name(), kind(), meters);
		this.completed = Counter.builder("fluxgate.offload.completed")
			.description("Tasks an offload executor finished, successfully or not")
			.tag("gate", settings.name())
			.register(meters);
		this.cancelled = Counter.builder("fluxgate.offload.cancelled")
			.description("Tasks of an offload executor cancelled before they ended (the client went away or the "
					+ "deadline expired): taken out of the queue, or interrupted while running")
			.tag("gate", settings.name())
			.register(meters);
		this.pool = new ThreadPoolExecutor(settings.threads(), settings.threads(),
				settings.keepAlive().toNanos(), TimeUnit.NANOSECONDS, new HandOffQueue(settings.queueCapacity()),
				threadFactory(settings),
				(task, executor) -> reject());
		this.pool.allowCoreThreadTimeOut(true);
	}

	private static ThreadFactory threadFactory(BoundedExecutorSettings settings) {
		String prefix = "fluxgate-" + settings.name() + "-";
		if (settings.virtualThreads()) {
			return VirtualThreads.factory(prefix);
		}
		AtomicInteger count = new AtomicInteger();
		return (runnable) -> {
			Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		};
	}

	private void reject() {
		if (this.pool.isShutdown()) {
			throw new RejectedExecutionException("The '" + this.settings.name() + "' offload executor is shut down");
		}
		this.stats.rejected(REASON_FULL);
		throw new OffloadRejectedException(new CapacityExceededException(REASON_FULL,
				"The '%s' offload executor is full: %d tasks running and %d queued"
					.formatted(this.settings.name(), this.active.get(), this.pool.getQueue().size()),
				this.settings.retryAfter()));
	}

	/** Rejects a new task while the queue stands and its oldest task has waited longer than the target. */
	private void admitByQueueDelay() {
		BlockingQueue<Runnable> queue = this.pool.getQueue();
		Runnable oldest = queue.peek();
		this.standing.observe((oldest != null) ? 1 : 0);
		if (oldest instanceof TrackedFuture<?> task && this.standing.refusesAfterOldest(task.enqueuedAt)) {
			this.stats.rejected(REASON_FULL);
			throw new OffloadRejectedException(new CapacityExceededException(REASON_FULL,
					("The '%s' offload executor's queue has not drained for %d ms and its oldest task has waited %d ms "
							+ "(fluxgate.offload.queue-target: %d ms): %d tasks running and %d queued")
						.formatted(this.settings.name(), this.settings.queueInterval().toMillis(),
								(this.standing.now() - task.enqueuedAt) / 1_000_000,
								this.settings.queueTarget().toMillis(), this.active.get(), queue.size()),
					this.settings.retryAfter()));
		}
	}

	/**
	 * Run a task on a pooled thread, or at once when a task of this executor hands it over from its own thread (one
	 * level only).
	 * @param task the task
	 * @throws OffloadRejectedException when every thread is busy and the queue is full
	 */
	@Override
	public void execute(Runnable task) {
		TrackedFuture<?> running = ownRunningTask();
		if (running != null && !running.handingOver) {
			running.handingOver = true;
			try {
				task.run();
			}
			finally {
				running.handingOver = false;
			}
			return;
		}
		admitByQueueDelay();
		this.pool.execute((task instanceof TrackedFuture<?>) ? task : new TrackedFuture<>(task, null));
	}

	/** The task of this executor running on the calling thread, if it is one of this executor's threads. */
	private @Nullable TrackedFuture<?> ownRunningTask() {
		TrackedFuture<?> running = RUNNING.get();
		return (running != null && running.owner() == this) ? running : null;
	}

	/**
	 * Whether the task running on the calling thread is an admitted task of a {@code BoundedExecutor} that was
	 * cancelled: whatever it still does or signals is a consequence of the cancel, and nobody waits for it.
	 * @return {@code true} on an executor thread whose task was cancelled
	 */
	static boolean runningTaskCancelled() {
		TrackedFuture<?> running = RUNNING.get();
		return running != null && running.isCancelled();
	}

	/**
	 * Futures of this executor leave the queue at once when cancelled; a running one is interrupted when asked.
	 */
	@Override
	protected <T> RunnableFuture<T> newTaskFor(Runnable runnable, T value) {
		return new TrackedFuture<>(runnable, value);
	}

	@Override
	protected <T> RunnableFuture<T> newTaskFor(Callable<T> callable) {
		return new TrackedFuture<>(callable);
	}

	@Override
	public Future<?> submit(Runnable task) {
		return super.submit(task);
	}

	@Override
	public <T> Future<T> submit(Callable<T> task) {
		return super.submit(task);
	}

	@Override
	public String name() {
		return this.settings.name();
	}

	@Override
	public String kind() {
		return "offload";
	}

	@Override
	public GateSnapshot snapshot() {
		Map<String, Long> rejected = this.stats.rejectedCounts();
		return new GateSnapshot(name(), kind(), this.settings.threads(), this.active.get(),
				this.pool.getQueue().size(), this.stats.admittedCount(), rejected);
	}

	/**
	 * The bounds this executor was built with.
	 * @return the settings
	 */
	public BoundedExecutorSettings settings() {
		return this.settings;
	}

	/**
	 * Tasks that ran to an end, successfully or not.
	 * @return the count
	 */
	public long completedCount() {
		return (long) this.completed.count();
	}

	/**
	 * Tasks cancelled before they ended: taken out of the queue, or interrupted while running.
	 * @return the count
	 */
	public long cancelledCount() {
		return (long) this.cancelled.count();
	}

	/**
	 * Stop taking work; what is queued still runs, on daemon threads that end with the JVM. Work still running or
	 * queued is logged (WARN), since the application stops without waiting for it.
	 */
	public void close() {
		int running = this.active.get();
		int queued = this.pool.getQueue().size();
		this.pool.shutdown();
		if (running + queued > 0) {
			logger.warn("The '{}' offload executor stopped with {} tasks running and {} queued: they are not waited for "
					+ "and end with the JVM", this.settings.name(), running, queued);
		}
	}

	@Override
	public void shutdown() {
		this.pool.shutdown();
	}

	@Override
	public List<Runnable> shutdownNow() {
		return this.pool.shutdownNow();
	}

	@Override
	public boolean isShutdown() {
		return this.pool.isShutdown();
	}

	@Override
	public boolean isTerminated() {
		return this.pool.isTerminated();
	}

	@Override
	public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
		return this.pool.awaitTermination(timeout, unit);
	}

	private final class TrackedFuture<T> extends FutureTask<T> {

		private final long enqueuedAt = BoundedExecutor.this.standing.now();

		/** Whether this task, running, is running a task it handed over inline; read and written by its thread only. */
		private boolean handingOver;

		TrackedFuture(Runnable runnable, T value) {
			super(runnable, value);
		}

		TrackedFuture(Callable<T> callable) {
			super(callable);
		}

		BoundedExecutor owner() {
			return BoundedExecutor.this;
		}

		@Override
		public void run() {
			if (ownRunningTask() != null) {
				// Handed over by a task of this executor on its own thread: part of work already admitted.
				super.run();
				return;
			}
			BoundedExecutor.this.standing.departed();
			BoundedExecutor.this.standing.observe(BoundedExecutor.this.pool.getQueue().isEmpty() ? 0 : 1);
			BoundedExecutor.this.stats.admitted(BoundedExecutor.this.standing.now() - this.enqueuedAt);
			BoundedExecutor.this.active.incrementAndGet();
			RUNNING.set(this);
			try {
				super.run();
			}
			finally {
				RUNNING.remove();
				BoundedExecutor.this.active.decrementAndGet();
				BoundedExecutor.this.completed.increment();
			}
		}

		@Override
		public boolean cancel(boolean mayInterruptIfRunning) {
			boolean cancelled = super.cancel(mayInterruptIfRunning);
			if (cancelled) {
				BoundedExecutor.this.cancelled.increment();
			}
			BoundedExecutor.this.pool.remove(this);
			return cancelled;
		}

	}

}

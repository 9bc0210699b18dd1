package dev.fluxgate.offload;

import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.fluxgate.gate.Gate;
import dev.fluxgate.gate.GateSnapshot;
import dev.fluxgate.gate.GateStats;
import dev.fluxgate.overload.CapacityExceededException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;

import org.springframework.core.task.AsyncTaskExecutor;

/**
 * An executor with bounded threads and a bounded queue that says no instead of letting latency grow: when every
 * thread is busy and the queue is full, {@link #execute(Runnable)} throws an {@link OffloadRejectedException} that
 * carries a 503 with {@code Retry-After}. It is a {@link Gate} of kind {@code offload}: queue wait, running tasks,
 * queued tasks and rejections are published under {@code fluxgate.gate.*}; completed tasks under
 * {@code fluxgate.offload.completed}.
 */
public final class BoundedExecutor implements AsyncTaskExecutor, Gate, AutoCloseable {

	/** The {@code reason} of a rejection: the executor had no free thread and no free queue slot. */
	public static final String REJECTED_REASON = "offload-full";

	private final BoundedExecutorSettings settings;

	private final ThreadPoolExecutor pool;

	private final GateStats stats;

	private final AtomicInteger active = new AtomicInteger();

	private final Counter completed;

	/**
	 * An executor.
	 * @param settings its bounds
	 * @param registry where to publish meters; {@code null} for none
	 */
	public BoundedExecutor(BoundedExecutorSettings settings, MeterRegistry registry) {
		this.settings = settings;
		MeterRegistry meters = (registry != null) ? registry : new CompositeMeterRegistry();
		this.stats = new GateStats(settings.name(), kind(), meters);
		this.completed = Counter.builder("fluxgate.offload.completed")
			.description("Tasks an offload executor finished, successfully or not")
			.tag("gate", settings.name())
			.register(meters);
		BlockingQueue<Runnable> queue = (settings.queueCapacity() > 0)
				? new ArrayBlockingQueue<>(settings.queueCapacity()) : new SynchronousQueue<>();
		this.pool = new ThreadPoolExecutor(settings.threads(), settings.threads(),
				settings.keepAlive().toNanos(), TimeUnit.NANOSECONDS, queue, threadFactory(settings),
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
		this.stats.rejected(REJECTED_REASON);
		throw new OffloadRejectedException(new CapacityExceededException(REJECTED_REASON,
				"The '%s' offload executor is full: %d tasks running and %d queued"
					.formatted(this.settings.name(), this.active.get(), this.pool.getQueue().size()),
				this.settings.retryAfter()));
	}

	/**
	 * Run a task on a pooled thread.
	 * @param task the task
	 * @throws OffloadRejectedException when every thread is busy and the queue is full
	 */
	@Override
	public void execute(Runnable task) {
		this.pool.execute(new Tracked(task));
	}

	/**
	 * Run a task whose future can be cancelled: a queued task cancelled through the future leaves the queue at
	 * once, a running one is interrupted.
	 * @param task the task
	 * @return its future
	 * @throws OffloadRejectedException when every thread is busy and the queue is full
	 */
	@Override
	public Future<?> submit(Runnable task) {
		FutureTask<Void> future = new FutureTask<>(new Tracked(task), null) {
			@Override
			public boolean cancel(boolean mayInterruptIfRunning) {
				boolean cancelled = super.cancel(mayInterruptIfRunning);
				BoundedExecutor.this.pool.remove(this);
				return cancelled;
			}
		};
		this.pool.execute(future);
		return future;
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
	 * Stop taking work; what is queued still runs.
	 */
	@Override
	public void close() {
		this.pool.shutdown();
	}

	private final class Tracked implements Runnable {

		private final Runnable task;

		private final long enqueuedAt = System.nanoTime();

		Tracked(Runnable task) {
			this.task = task;
		}

		@Override
		public void run() {
			BoundedExecutor.this.stats.admitted(System.nanoTime() - this.enqueuedAt);
			BoundedExecutor.this.active.incrementAndGet();
			try {
				this.task.run();
			}
			finally {
				BoundedExecutor.this.active.decrementAndGet();
				BoundedExecutor.this.completed.increment();
			}
		}

	}

}

package dev.fluxgate.eventloop;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures how late each event loop runs a trivial task, and names the code that blocks a loop, with no agent.
 * <p>
 * A daemon thread sends a no-op task to every loop each {@code interval} and, on the next tick, records how long it
 * waited: timer {@code fluxgate.eventloop.lag} (tags {@code group}, {@code loop}). A loop that leaves its task unrun
 * for longer than {@code stallThreshold} is stalled: counter {@code fluxgate.eventloop.stalls} and one WARN with the
 * loop thread's current stack, which shows the blocking call. At most one WARN per loop per
 * {@code stallLogInterval}; a stall is counted and logged once however long it lasts.
 * <p>
 * Production-safe: the loops only run a store of two fields; meters, logging and stack capture happen on the probe
 * thread; sending a task to a loop never blocks; {@link #close()} stops the probe thread.
 */
public final class EventLoopProbe implements AutoCloseable {

	/** Timer of the delay before a probe task ran on a loop (tag {@code loop}). */
	public static final String LAG_METER = "fluxgate.eventloop.lag";

	/** Counter of stalls: a loop that ran no probe task for longer than the stall threshold (tag {@code loop}). */
	public static final String STALLS_METER = "fluxgate.eventloop.stalls";

	/** Gauge of how long a loop has been unresponsive now, in seconds (tag {@code loop}). */
	public static final String STALL_DURATION_METER = "fluxgate.eventloop.stall.duration";

	/** Gauge of the tasks queued on a loop (tag {@code loop}). */
	public static final String PENDING_TASKS_METER = "fluxgate.eventloop.pending.tasks";


	private static final Logger logger = LoggerFactory.getLogger(EventLoopProbe.class);

	private final EventLoopProbeSettings settings;

	private final MeterRegistry registry;

	private final Supplier<Map<String, ? extends EventExecutorGroup>> groups;

	private final List<ProbedLoop> loops = new ArrayList<>();

	private ScheduledExecutorService ticker;

	private long lastTickAt;

	/**
	 * A probe.
	 * @param settings how to sample
	 * @param registry where to publish meters, if anywhere (without one the probe still logs stalls)
	 * @param groups the event loop groups to probe, by a short bounded name ({@code server}, {@code lettuce}); read
	 * once, at {@link #start()}
	 */
	public EventLoopProbe(EventLoopProbeSettings settings, @Nullable MeterRegistry registry,
			Supplier<Map<String, ? extends EventExecutorGroup>> groups) {
		this.settings = settings;
		this.registry = (registry != null) ? registry : new CompositeMeterRegistry();
		this.groups = groups;
	}

	/**
	 * Start probing.
	 */
	public synchronized void start() {
		if (this.ticker != null) {
			return;
		}
		this.groups.get().forEach((name, group) -> {
			int index = 0;
			for (EventExecutor executor : group) {
				this.loops.add(new ProbedLoop(name, index++, executor));
			}
		});
		this.ticker = Executors.newSingleThreadScheduledExecutor((runnable) -> {
			Thread thread = new Thread(runnable, "fluxgate-eventloop-probe");
			thread.setDaemon(true);
			return thread;
		});
		long interval = this.settings.interval().toNanos();
		// The first tick at once: a loop that has run a probe is known by its thread name and its stack.
		this.ticker.scheduleWithFixedDelay(this::tick, 0, interval, TimeUnit.NANOSECONDS);
		logger.debug("Probing {} event loops every {}", this.loops.size(), this.settings.interval());
	}

	/**
	 * Whether the probe is running.
	 * @return {@code true} between {@link #start()} and {@link #close()}
	 */
	public synchronized boolean isRunning() {
		return this.ticker != null;
	}

	/**
	 * The number of loops probed.
	 * @return the count
	 */
	public synchronized int loopCount() {
		return this.loops.size();
	}

	@Override
	public synchronized void close() {
		if (this.ticker != null) {
			this.ticker.shutdownNow();
			this.ticker = null;
			this.loops.clear();
		}
	}

	private void tick() {
		try {
			long now = System.nanoTime();
			// A late tick means the whole JVM paused (GC, safepoint, CPU starvation), not one loop: that time does
			// not count towards a loop's stall.
			long paused = (this.lastTickAt != 0)
					? Math.max(0, now - this.lastTickAt - this.settings.interval().toNanos() * 2) : 0;
			this.lastTickAt = now;
			for (ProbedLoop loop : this.loops) {
				loop.tick(now, paused);
			}
		}
		catch (RuntimeException ex) {
			// A failure must not cancel the periodic task and silently end the probe.
			logger.debug("Event loop probe tick failed", ex);
		}
	}

	private final class ProbedLoop implements Runnable {

		private final String group;

		private final int index;

		private final EventExecutor executor;

		private volatile Thread thread;

		private volatile long ranAt;

		private long submittedAt;

		private long stallClockStart;

		private boolean outstanding;

		private boolean stallReported;

		private boolean stallWarned;

		private long lastWarnAt;

		private boolean warnedBefore;

		private Timer lag;

		private Counter stalls;

		/** How long the outstanding probe task has waited to run; read by the stall-duration gauge. */
		private volatile long stalledNanos;

		private boolean stallGaugeRegistered;

		ProbedLoop(String group, int index, EventExecutor executor) {
			this.group = group;
			this.index = index;
			this.executor = executor;
		}

		/** Runs on the event loop: two stores, nothing else. */
		@Override
		public void run() {
			this.thread = Thread.currentThread();
			this.ranAt = System.nanoTime();
		}

		void tick(long now, long paused) {
			this.stallClockStart += paused;
			if (this.outstanding) {
				long ran = this.ranAt;
				if (ran != 0) {
					this.outstanding = false;
					lagTimer().record(ran - this.submittedAt, TimeUnit.NANOSECONDS);
					this.stallReported = false;
					if (this.stallWarned) {
						this.stallWarned = false;
						logger.info("Event loop {} ({}) ran again after a stall of {} ms", loopName(), this.group,
								TimeUnit.NANOSECONDS.toMillis(ran - this.submittedAt));
					}
				}
				else if (!this.stallReported && now - this.stallClockStart >= EventLoopProbe.this.settings
					.stallThreshold()
					.toNanos()) {
					this.stallReported = true;
					stallCounter().increment();
					warnStall(now);
				}
			}
			this.stalledNanos = (this.outstanding && this.ranAt == 0) ? now - this.stallClockStart : 0;
			registerStallGauge();
			if (!this.outstanding && !this.executor.isShuttingDown()) {
				this.ranAt = 0;
				this.submittedAt = System.nanoTime();
				this.stallClockStart = this.submittedAt;
				try {
					this.executor.execute(this);
					this.outstanding = true;
				}
				catch (RejectedExecutionException ex) {
					// The loop is shutting down; nothing to measure.
				}
			}
		}

		private void warnStall(long now) {
			long logInterval = EventLoopProbe.this.settings.stallLogInterval().toNanos();
			if (this.warnedBefore && now - this.lastWarnAt < logInterval) {
				return;
			}
			this.warnedBefore = true;
			this.lastWarnAt = now;
			this.stallWarned = true;
			Thread loopThread = this.thread;
			long stalledMs = TimeUnit.NANOSECONDS.toMillis(now - this.submittedAt);
			if (loopThread == null) {
				logger.warn("Event loop {} ({}) has not run a task for {} ms: it is blocked or overloaded",
						loopName(), this.group, stalledMs);
				return;
			}
			logger.warn("Event loop {} ({}) has not run a task for {} ms: it is blocked or overloaded. "
					+ "Its stack shows the blocking call (move it off the loop, e.g. with Offload)", loopName(),
					this.group, stalledMs, new StalledEventLoop(loopThread));
		}

		private String loopName() {
			Thread loopThread = this.thread;
			return (loopThread != null) ? loopThread.getName() : this.group + "-" + this.index;
		}

		/**
		 * {@code fluxgate.eventloop.stall.duration}: seconds the loop has left its probe task unrun (0 while it keeps
		 * up). Liveness reads it: every loop stalled for long means the process cannot serve anything.
		 */
		private void registerStallGauge() {
			if (!this.stallGaugeRegistered && this.thread != null) {
				this.stallGaugeRegistered = true;
				stallCounter(); // exists at 0 from the start, so rate() over it works before the first stall
				if (this.executor instanceof SingleThreadEventExecutor loop) {
					// Lag with few pending tasks means a blocked loop; with many, an overloaded one.
					Gauge.builder(PENDING_TASKS_METER, loop, SingleThreadEventExecutor::pendingTasks)
						.description("Tasks waiting in an event loop's queue")
						.tags("group", this.group, "loop", loopName())
						.register(EventLoopProbe.this.registry);
				}
				Gauge.builder(STALL_DURATION_METER, this, (loop) -> loop.stalledNanos / 1e9)
					.description("How long an event loop has left its probe task unrun")
					.baseUnit("seconds")
					.tags("group", this.group, "loop", loopName())
					.register(EventLoopProbe.this.registry);
			}
		}

		private Timer lagTimer() {
			if (this.lag == null) {
				this.lag = Timer.builder(LAG_METER)
					.description("How late an event loop ran a trivial probe task")
					.publishPercentiles(0.99)
					// Readiness reads the p99: let it forget a past block within about 30 s, not Micrometer's 2 min.
					.distributionStatisticExpiry(java.time.Duration.ofSeconds(30))
					.distributionStatisticBufferLength(3)
					.tags("group", this.group, "loop", loopName())
					.register(EventLoopProbe.this.registry);
			}
			return this.lag;
		}

		private Counter stallCounter() {
			if (this.stalls == null) {
				this.stalls = Counter.builder(STALLS_METER)
					.description("Times an event loop left its probe task unrun for longer than the stall threshold")
					.tags("group", this.group, "loop", loopName())
					.register(EventLoopProbe.this.registry);
			}
			return this.stalls;
		}

	}

	/**
	 * Carries a stalled loop thread's stack into the log, so it prints as the familiar {@code at ...} lines.
	 */
	static final class StalledEventLoop extends RuntimeException {

		StalledEventLoop(Thread thread) {
			super("Stack of " + thread.getName() + " while stalled", null, false, true);
			setStackTrace(thread.getStackTrace());
		}

	}

}

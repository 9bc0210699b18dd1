package dev.fluxgate.dependency;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.fluxgate.deadline.Deadline;
import dev.fluxgate.gate.Gate;
import dev.fluxgate.gate.GateSnapshot;
import dev.fluxgate.gate.GateStats;
import dev.fluxgate.limit.StandingQueue;
import dev.fluxgate.overload.CapacityExceededException;
import dev.fluxgate.overload.DeadlineExceededException;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.context.ContextView;

/**
 * A concurrency limit for calls to one dependency that never parks a thread. A call that finds every permit taken
 * waits in a bounded FIFO queue as a pending {@link Mono}, not as a blocked thread, for at most
 * {@link BulkheadSettings#maxQueueWait()} or what remains of the request's {@link Deadline}, whichever is shorter.
 * A call cancelled while queued leaves the queue; an admitted call gives its permit back exactly once, on complete,
 * error or cancel. A full queue fails the call at once with {@link CapacityExceededException} (reason
 * {@value #REASON_FULL}, which maps to 503).
 * <p>
 * Once the queue stands (non-empty for {@link StandingQueue#DEFAULT_INTERVAL} while the permits turned over twice:
 * calls arrive faster than they finish), a newly queued call waits at most {@link StandingQueue#DEFAULT_TARGET}
 * instead of {@code maxQueueWait}: a longer wait would only add latency to the calls that get through, and delay the
 * refusal of those that do not.
 */
public final class Bulkhead implements Gate {

	/** Problem reason of a rejected call. */
	public static final String REASON_FULL = "bulkhead-full";

	/** The gate kind. */
	public static final String KIND = "bulkhead";

	private static final Duration RETRY_AFTER = Duration.ofSeconds(1);

	private final String name;

	private final BulkheadSettings settings;

	private final GateStats stats;

	private final Scheduler timer;

	private final ArrayDeque<Waiter> queue = new ArrayDeque<>();

	private final StandingQueue standing;

	/** Guarded by {@code queue}. */
	private int inFlight;

	/**
	 * A bulkhead.
	 * @param name the dependency's name
	 * @param settings its limits
	 * @param meterRegistry where to publish {@link GateStats}, if anywhere
	 */
	public Bulkhead(String name, BulkheadSettings settings, @Nullable MeterRegistry meterRegistry) {
		this(name, settings, meterRegistry, Schedulers.parallel());
	}

	Bulkhead(String name, BulkheadSettings settings, MeterRegistry meterRegistry, Scheduler timer) {
		this.name = name;
		this.settings = settings;
		this.stats = new GateStats(name, KIND, meterRegistry);
		this.timer = timer;
		this.standing = new StandingQueue(StandingQueue.DEFAULT_TARGET, StandingQueue.DEFAULT_INTERVAL,
				(long) StandingQueue.DEFAULT_TURNOVERS * settings.maxConcurrentCalls(),
				() -> timer.now(TimeUnit.NANOSECONDS));
	}

	/**
	 * Run a call inside the bulkhead: it is subscribed once a permit is held, and the permit comes back when the call
	 * completes, fails or is cancelled.
	 * @param call the call
	 * @param <T> its value type
	 * @return the guarded call
	 */
	public <T> Mono<T> guard(Mono<T> call) {
		return Mono.deferContextual(this::acquire)
			.flatMap((permit) -> call.doFinally((signal) -> permit.release()))
			// A permit granted to a caller that was cancelled at that very moment is discarded by the sink: return it.
			.doOnDiscard(Permit.class, Permit::release);
	}

	private Mono<Permit> acquire(ContextView context) {
		Permit immediate = tryAcquire();
		if (immediate != null) {
			this.stats.admitted(0);
			return Mono.just(immediate);
		}
		Deadline deadline = Deadline.current(context).orElse(null);
		Duration wait = this.standing.maxWait(this.settings.maxQueueWait());
		boolean cappedByDeadline = false;
		if (deadline != null && deadline.remaining().compareTo(wait) < 0) {
			wait = deadline.remaining();
			cappedByDeadline = true;
		}
		if (this.settings.maxQueued() == 0 || wait.isZero() || wait.isNegative()) {
			this.stats.rejected(cappedByDeadline ? "deadline" : "full");
			return Mono.error(cappedByDeadline ? deadlineExpired() : full());
		}
		Duration queueWait = wait;
		boolean deadlineCapped = cappedByDeadline;
		return Mono.create((sink) -> enqueue(sink, queueWait, deadlineCapped));
	}

	private Permit tryAcquire() {
		synchronized (this.queue) {
			this.standing.observe(this.queue.size());
			if (this.inFlight < this.settings.maxConcurrentCalls() && this.queue.isEmpty()) {
				this.inFlight++;
				return new Permit();
			}
			return null;
		}
	}

	private void enqueue(MonoSink<Permit> sink, Duration wait, boolean deadlineCapped) {
		Waiter waiter = new Waiter(sink, deadlineCapped, wait);
		sink.onCancel(waiter::cancel);
		boolean admitted = false;
		boolean rejected = false;
		synchronized (this.queue) {
			if (this.inFlight < this.settings.maxConcurrentCalls() && this.queue.isEmpty()) {
				this.inFlight++;
				admitted = waiter.state.compareAndSet(Waiter.WAITING, Waiter.GRANTED);
				if (!admitted) {
					this.inFlight--;
				}
			}
			else if (this.queue.size() >= this.settings.maxQueued()) {
				rejected = waiter.state.compareAndSet(Waiter.WAITING, Waiter.DONE);
			}
			else if (waiter.state.get() == Waiter.WAITING) {
				// a cancel from here on finds the waiter in the queue (it removes it under this lock)
				this.queue.addLast(waiter);
			}
			else {
				return;
			}
		}
		if (admitted) {
			waiter.grant();
		}
		else if (rejected) {
			this.stats.rejected("full");
			sink.error(full());
		}
		else {
			waiter.timeout = this.timer.schedule(waiter::expire, wait.toNanos(), TimeUnit.NANOSECONDS);
			if (waiter.state.get() != Waiter.WAITING) {
				waiter.timeout.dispose();
			}
		}
	}

	private void release() {
		Waiter next;
		synchronized (this.queue) {
			do {
				next = this.queue.pollFirst();
			}
			while (next != null && !next.state.compareAndSet(Waiter.WAITING, Waiter.GRANTED));
			if (next == null) {
				this.inFlight--;
			}
			else {
				this.standing.departed();
			}
			this.standing.observe(this.queue.size());
			// otherwise the permit passes straight to the next waiter and inFlight stays the same
		}
		if (next != null) {
			next.grant();
		}
	}

	private boolean removeWaiting(Waiter waiter) {
		synchronized (this.queue) {
			return this.queue.remove(waiter);
		}
	}

	private CapacityExceededException full() {
		return new CapacityExceededException(REASON_FULL, "The bulkhead of dependency '" + this.name + "' is full ("
				+ this.settings.maxConcurrentCalls() + " calls in flight, " + this.settings.maxQueued() + " queued)",
				RETRY_AFTER);
	}

	private CapacityExceededException queueTimeout(Duration waited) {
		return new CapacityExceededException(REASON_FULL, "No permit of the bulkhead of dependency '" + this.name
				+ "' became free within " + waited + (waited.equals(this.settings.maxQueueWait()) ? ""
						: " (its queue has not drained for " + StandingQueue.DEFAULT_INTERVAL.toMillis() + " ms)"),
				RETRY_AFTER);
	}

	private DeadlineExceededException deadlineExpired() {
		return new DeadlineExceededException(
				"The request deadline expired while waiting for the bulkhead of dependency '" + this.name + "'");
	}

	@Override
	public String name() {
		return this.name;
	}

	@Override
	public String kind() {
		return KIND;
	}

	/**
	 * Count a call refused by a later guard of the same dependency (its circuit breaker), so the gate's rejections
	 * tell the whole story of the dependency's refusals.
	 * @param reason the bounded reason
	 */
	void rejectedDownstream(String reason) {
		this.stats.rejected(reason);
	}

	@Override
	public GateSnapshot snapshot() {
		int current;
		int queued;
		synchronized (this.queue) {
			current = this.inFlight;
			queued = this.queue.size();
		}
		return new GateSnapshot(this.name, KIND, this.settings.maxConcurrentCalls(), current, queued,
				this.stats.admittedCount(), this.stats.rejectedCounts());
	}

	/**
	 * The settings this bulkhead enforces.
	 * @return the settings
	 */
	public BulkheadSettings settings() {
		return this.settings;
	}

	/** One admitted call's permit; releasing it twice is harmless. */
	private final class Permit {

		private final AtomicBoolean released = new AtomicBoolean();

		void release() {
			if (this.released.compareAndSet(false, true)) {
				Bulkhead.this.release();
			}
		}

	}

	/** A call waiting for a permit. */
	private final class Waiter {

		static final int WAITING = 0;

		static final int GRANTED = 1;

		static final int DONE = 2;

		final AtomicInteger state = new AtomicInteger(WAITING);

		final MonoSink<Permit> sink;

		final boolean deadlineCapped;

		final Duration wait;

		final long enqueuedNanos = System.nanoTime();

		/** The permit this waiter gets once GRANTED; created up front so a cancel can always return it. */
		final Permit permit = new Permit();

		volatile Disposable timeout;

		Waiter(MonoSink<Permit> sink, boolean deadlineCapped, Duration wait) {
			this.sink = sink;
			this.deadlineCapped = deadlineCapped;
			this.wait = wait;
		}

		void grant() {
			disposeTimeout();
			Bulkhead.this.stats.admitted(System.nanoTime() - this.enqueuedNanos);
			this.sink.success(this.permit);
		}

		void cancel() {
			if (this.state.compareAndSet(WAITING, DONE)) {
				removeWaiting(this);
				disposeTimeout();
			}
			else if (this.state.get() == GRANTED) {
				// The sink runs this only when the cancel won the race against delivery, and then it drops the
				// permit (onNextDropped, not onDiscard): give it back here. Releasing is idempotent.
				this.permit.release();
			}
		}

		void expire() {
			if (this.state.compareAndSet(WAITING, DONE)) {
				removeWaiting(this);
				if (this.deadlineCapped) {
					Bulkhead.this.stats.rejected("deadline");
					this.sink.error(deadlineExpired());
				}
				else {
					Bulkhead.this.stats.rejected("queue-timeout");
					this.sink.error(queueTimeout(this.wait));
				}
			}
		}

		private void disposeTimeout() {
			Disposable scheduled = this.timeout;
			if (scheduled != null) {
				scheduled.dispose();
			}
		}

	}

}

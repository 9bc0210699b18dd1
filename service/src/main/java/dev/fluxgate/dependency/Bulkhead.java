package dev.fluxgate.dependency;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.fluxgate.deadline.Deadline;
import dev.fluxgate.gate.FifoPermits;
import dev.fluxgate.gate.FifoPermits.Permit;
import dev.fluxgate.gate.Gate;
import dev.fluxgate.gate.GateSnapshot;
import dev.fluxgate.gate.GateStats;
import dev.fluxgate.limit.StandingQueue;
import dev.fluxgate.overload.CapacityExceededException;
import dev.fluxgate.overload.DeadlineExceededException;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
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
 * refusal of those that do not; a call that the calls already waiting would keep waiting longer than that, at the
 * pace permits have been returned, is refused at once. The queue stands until a whole interval passes without such a
 * refusal.
 */
public final class Bulkhead implements Gate {

	/** Problem reason of a rejected call. */
	public static final String REASON_FULL = "bulkhead-full";

	/** The gate kind. */
	public static final String KIND = "bulkhead";

	private static final Duration RETRY_AFTER = Duration.ofSeconds(1);

	/** The gate's count of calls refused because their wait ran out, or would have while the queue stands. */
	private static final String REASON_QUEUE_TIMEOUT = "queue-timeout";

	private final String name;

	private final BulkheadSettings settings;

	private final GateStats stats;

	private final Scheduler timer;

	private final StandingQueue standing;

	private final FifoPermits permits;

	private final FifoPermits.Refusal refusedFull = new FifoPermits.Refusal("full", this::full);

	private final FifoPermits.Refusal refusedDeadline = new FifoPermits.Refusal("deadline", this::deadlineExpired);

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
		// the standing queue sees the queue's length under the permits' lock on every arrival and release
		this.permits = new FifoPermits(settings.maxConcurrentCalls(), settings.maxQueued(), this.stats,
				(queued, departed) -> {
					if (departed) {
						this.standing.departed();
					}
					this.standing.observe(queued);
				});
	}

	/**
	 * Run a call inside the bulkhead: it is subscribed once a permit is held, and the permit comes back when the call
	 * completes, fails or is cancelled.
	 * @param call the call
	 * @param <T> its value type
	 * @return the guarded call
	 */
	public <T> Mono<T> guard(Mono<T> call) {
		return FifoPermits.holding(Mono.deferContextual(this::acquire), call);
	}

	private Mono<Permit> acquire(ContextView context) {
		Permit immediate = this.permits.tryAcquire();
		if (immediate != null) {
			return Mono.just(immediate);
		}
		int queued = this.permits.load().queued();
		if (this.standing.refusesBehind(queued)) {
			return Mono.error(this.permits.refuse(new FifoPermits.Refusal(REASON_QUEUE_TIMEOUT,
					() -> tooManyWaiting(queued))));
		}
		Deadline deadline = Deadline.current(context).orElse(null);
		Duration wait = this.standing.maxWait(this.settings.maxQueueWait());
		boolean cappedByDeadline = false;
		if (deadline != null && deadline.remaining().compareTo(wait) < 0) {
			wait = deadline.remaining();
			cappedByDeadline = true;
		}
		if (this.settings.maxQueued() == 0 || wait.isZero() || wait.isNegative()) {
			return Mono.error(this.permits.refuse(cappedByDeadline ? this.refusedDeadline : this.refusedFull));
		}
		Duration queueWait = wait;
		FifoPermits.Refusal expired = cappedByDeadline ? this.refusedDeadline
				: new FifoPermits.Refusal(REASON_QUEUE_TIMEOUT, () -> queueTimeout(queueWait));
		return this.permits.acquire(this.refusedFull, queueWait, this.timer, expired);
	}

	private CapacityExceededException full() {
		return new CapacityExceededException(REASON_FULL, "The bulkhead of dependency '" + this.name + "' is full ("
				+ this.settings.maxConcurrentCalls() + " calls in flight, " + this.settings.maxQueued() + " queued)",
				RETRY_AFTER);
	}

	private CapacityExceededException queueTimeout(Duration waited) {
		boolean cut = !waited.equals(this.settings.maxQueueWait());
		if (cut) {
			this.standing.refused();
		}
		return new CapacityExceededException(REASON_FULL, "No permit of the bulkhead of dependency '" + this.name
				+ "' became free within " + waited + (!cut ? ""
						: " (its queue has not drained for " + StandingQueue.DEFAULT_INTERVAL.toMillis() + " ms)"),
				RETRY_AFTER);
	}

	private CapacityExceededException tooManyWaiting(int queued) {
		return new CapacityExceededException(REASON_FULL, "No permit of the bulkhead of dependency '" + this.name
				+ "' would become free within " + this.standing.target() + " for the " + queued
				+ " calls already waiting, at the pace permits have been returned (its queue has not drained for "
				+ StandingQueue.DEFAULT_INTERVAL.toMillis() + " ms)", RETRY_AFTER);
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
		FifoPermits.Load load = this.permits.load();
		return new GateSnapshot(this.name, KIND, this.settings.maxConcurrentCalls(), load.inFlight(), load.queued(),
				this.stats.admittedCount(), this.stats.rejectedCounts());
	}

	/**
	 * The settings this bulkhead enforces.
	 * @return the settings
	 */
	public BulkheadSettings settings() {
		return this.settings;
	}

}

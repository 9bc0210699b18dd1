package dev.fluxgate.gate;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;

/**
 * A reactive semaphore with a bounded FIFO queue: at most {@code limit} permits out at once, and callers beyond that
 * wait in order as pending {@link Mono Monos}, never as parked threads. The one home of the permit protocol of the
 * dependency bulkhead and of the offload method shares, whose races are easy to get subtly wrong twice:
 * <ul>
 * <li>a released permit passes straight to the next waiting caller (the in-flight count stays the same), so a new
 * caller cannot overtake the queue;</li>
 * <li>a caller cancelled while waiting leaves the queue; one whose cancel lost the race to a grant gives the permit
 * back;</li>
 * <li>a permit is released exactly once, however completion, error and cancel interleave.</li>
 * </ul>
 * Admissions are recorded in the owner's {@link GateStats} (0 wait when granted at once, the time waited when handed
 * over), refusals under the reason of the {@link Refusal}. Public only because two packages build on it.
 */
public final class FifoPermits {

	private final int limit;

	private final int maxQueued;

	private final GateStats stats;

	private final @Nullable QueueObserver observer;

	private final ArrayDeque<Waiter> queue = new ArrayDeque<>();

	/** Guarded by {@code queue}. */
	private int inFlight;

	/**
	 * Permits and their queue.
	 * @param limit the most permits out at once
	 * @param maxQueued the most callers waiting; a caller beyond that is refused at once
	 * @param stats where admissions and refusals are counted
	 * @param observer what watches the queue's length, if anything
	 */
	public FifoPermits(int limit, int maxQueued, GateStats stats, @Nullable QueueObserver observer) {
		this.limit = limit;
		this.maxQueued = maxQueued;
		this.stats = stats;
		this.observer = observer;
	}

	/**
	 * Run work holding a permit: it is subscribed once the permit is granted, and the permit is released when the
	 * work completes, fails or is cancelled, or when it was granted to a caller cancelled at that very moment.
	 * @param permit the permit's acquisition: an {@code acquire} method, or {@link Mono#just} of {@link #tryAcquire()}
	 * @param work the work
	 * @param <T> its value type
	 * @return the guarded work
	 */
	public static <T> Mono<T> holding(Mono<Permit> permit, Mono<T> work) {
		return permit.flatMap((held) -> work.doFinally((signal) -> held.release()))
			// A permit granted to a caller cancelled at that very moment is discarded by the sink: return it.
			.doOnDiscard(Permit.class, Permit::release);
	}

	/**
	 * A permit now, if one is free and nobody waits: the cheap path, before a caller works out how long it may wait.
	 * @return the permit (its admission recorded), or {@code null} when the caller would have to queue
	 */
	public @Nullable Permit tryAcquire() {
		synchronized (this.queue) {
			observe(false);
			if (!free()) {
				return null;
			}
			this.inFlight++;
		}
		this.stats.admitted(0);
		return new Permit();
	}

	/**
	 * A permit now or, once the callers ahead have had theirs, later; waiting until granted or cancelled.
	 * @param full the refusal of a caller that finds the queue full
	 * @return the permit
	 */
	public Mono<Permit> acquire(Refusal full) {
		return Mono.create((sink) -> enqueue(sink, full, null));
	}

	/**
	 * A permit now or, once the callers ahead have had theirs, later; waiting at most {@code maxWait}.
	 * @param full the refusal of a caller that finds the queue full
	 * @param maxWait how long a caller may wait (positive)
	 * @param timer where the wait is timed
	 * @param expired the refusal of a caller whose wait ran out
	 * @return the permit
	 */
	public Mono<Permit> acquire(Refusal full, Duration maxWait, Scheduler timer, Refusal expired) {
		Timeout timeout = new Timeout(maxWait, timer, expired);
		return Mono.create((sink) -> enqueue(sink, full, timeout));
	}

	/**
	 * Permits out and callers waiting, read together.
	 * @return the load now
	 */
	public Load load() {
		synchronized (this.queue) {
			return new Load(this.inFlight, this.queue.size());
		}
	}

	/** Guarded by {@code queue}. */
	private boolean free() {
		return this.inFlight < this.limit && this.queue.isEmpty();
	}

	/** Guarded by {@code queue}. */
	private void observe(boolean departed) {
		if (this.observer != null) {
			this.observer.observe(this.queue.size(), departed);
		}
	}

	private void enqueue(MonoSink<Permit> sink, Refusal full, @Nullable Timeout timeout) {
		Waiter waiter = new Waiter(sink, timeout);
		sink.onCancel(waiter::cancel);
		boolean granted = false;
		boolean refused = false;
		synchronized (this.queue) {
			if (free()) {
				this.inFlight++;
				granted = waiter.state.compareAndSet(Waiter.WAITING, Waiter.GRANTED);
				if (!granted) {
					this.inFlight--;
				}
			}
			else if (this.queue.size() >= this.maxQueued) {
				refused = waiter.state.compareAndSet(Waiter.WAITING, Waiter.DONE);
			}
			else if (waiter.state.get() == Waiter.WAITING) {
				// a cancel from here on finds the waiter in the queue (it removes it under this lock)
				this.queue.addLast(waiter);
			}
			else {
				return;
			}
		}
		if (granted) {
			waiter.grant(0);
		}
		else if (refused) {
			sink.error(refuse(full));
		}
		else if (timeout != null) {
			waiter.expiry = timeout.timer()
				.schedule(waiter::expire, timeout.duration().toNanos(), TimeUnit.NANOSECONDS);
			if (waiter.state.get() != Waiter.WAITING) {
				waiter.disposeExpiry();
			}
		}
	}

	/**
	 * Refuse a caller: counted under the refusal's reason, as the permits count their own refusals.
	 * @param refusal why
	 * @return the error the caller receives
	 */
	public Throwable refuse(Refusal refusal) {
		this.stats.rejected(refusal.reason());
		return refusal.error().get();
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
			// otherwise the permit passes straight to the next waiter and inFlight stays the same
			observe(next != null);
		}
		if (next != null) {
			next.grant(System.nanoTime() - next.enqueuedNanos);
		}
	}

	private void remove(Waiter waiter) {
		synchronized (this.queue) {
			this.queue.remove(waiter);
		}
	}

	/**
	 * Watches the queue under the permits' lock, so what it sees is consistent with every grant: for a controller
	 * that bounds the wait once the queue stops draining. Must be quick and must not call back into the permits.
	 */
	@FunctionalInterface
	public interface QueueObserver {

		/**
		 * The queue as seen on {@link FifoPermits#tryAcquire()} and on every release.
		 * @param queued its length
		 * @param departed whether a waiter just left it with the released permit
		 */
		void observe(int queued, boolean departed);

	}

	/**
	 * Why a caller gets no permit.
	 * @param reason the bounded reason it is counted under in {@link GateStats#rejected(String)}
	 * @param error the error the caller receives, made when the caller is refused
	 */
	public record Refusal(String reason, Supplier<? extends Throwable> error) {

	}

	/**
	 * Permits out and callers waiting.
	 * @param inFlight permits out
	 * @param queued callers waiting
	 */
	public record Load(int inFlight, int queued) {

	}

	/**
	 * One caller's permit, released by {@link #holding(Mono, Mono)} when the work ends; releasing it twice is
	 * harmless.
	 */
	public final class Permit {

		private final AtomicBoolean released = new AtomicBoolean();

		private Permit() {
		}

		private void release() {
			if (this.released.compareAndSet(false, true)) {
				FifoPermits.this.release();
			}
		}

	}

	private record Timeout(Duration duration, Scheduler timer, Refusal refusal) {

	}

	/** A caller waiting for a permit. */
	private final class Waiter {

		static final int WAITING = 0;

		static final int GRANTED = 1;

		static final int DONE = 2;

		final AtomicInteger state = new AtomicInteger(WAITING);

		final MonoSink<Permit> sink;

		final @Nullable Timeout timeout;

		final long enqueuedNanos = System.nanoTime();

		/** The permit this waiter gets once GRANTED; created up front so a cancel can always return it. */
		final Permit permit = new Permit();

		volatile @Nullable Disposable expiry;

		Waiter(MonoSink<Permit> sink, @Nullable Timeout timeout) {
			this.sink = sink;
			this.timeout = timeout;
		}

		/** The state is GRANTED already. */
		void grant(long waitedNanos) {
			disposeExpiry();
			FifoPermits.this.stats.admitted(waitedNanos);
			this.sink.success(this.permit);
		}

		void cancel() {
			if (this.state.compareAndSet(WAITING, DONE)) {
				remove(this);
				disposeExpiry();
			}
			else if (this.state.get() == GRANTED) {
				// The sink runs this only when the cancel won the race against delivery, and then it may drop the
				// permit (onNextDropped, not onDiscard): give it back here. Releasing is idempotent.
				this.permit.release();
			}
		}

		void expire() {
			Timeout timeout = this.timeout;
			if (timeout != null && this.state.compareAndSet(WAITING, DONE)) {
				remove(this);
				this.sink.error(refuse(timeout.refusal()));
			}
		}

		void disposeExpiry() {
			Disposable scheduled = this.expiry;
			if (scheduled != null) {
				scheduled.dispose();
			}
		}

	}

}

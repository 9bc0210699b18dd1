package dev.fluxgate.offload;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.fluxgate.gate.Gate;
import dev.fluxgate.gate.GateSnapshot;
import dev.fluxgate.gate.GateStats;
import dev.fluxgate.overload.CapacityExceededException;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * A fair share of an executor per method: each key (an imperative controller method) may hold at most
 * {@code perKey} of the executor's threads, running or queued for one. Work beyond that waits in the key's own FIFO
 * queue, holding neither a thread nor a slot of the executor's queue, until one of the key's own tasks ends; a full
 * key queue refuses at once with 503 (reason {@value #REASON_METHOD_BUSY}). So one slow blocking endpoint hammered by
 * many clients keeps its share of the threads and every other imperative endpoint still finds a free one. The wait is
 * bounded by the request's deadline (cancelling a waiter takes it out of the queue) and by the key queue's length.
 * <p>
 * One {@link Gate} for all keys (kind {@code offload}): its limit is the per-key share, in-flight and queued are
 * sums over the keys, so the meters stay bounded however many methods there are.
 */
public final class MethodShares implements Gate {

	/** The {@code reason} of a refusal: the method's share and its queue are full. */
	public static final String REASON_METHOD_BUSY = "offload-method-busy";

	private final String name;

	private final int perKey;

	private final int maxQueuedPerKey;

	private final Duration retryAfter;

	private final GateStats stats;

	private final Map<Object, Share> shares = new ConcurrentHashMap<>();

	/**
	 * Shares of an executor.
	 * @param name the gate name
	 * @param perKey the most work one key may have admitted at once
	 * @param maxQueuedPerKey the most work one key may have waiting for its share
	 * @param retryAfter the {@code Retry-After} of a refusal
	 * @param registry where to publish the gate's meters; {@code null} for none
	 */
	public MethodShares(String name, int perKey, int maxQueuedPerKey, Duration retryAfter,
			@Nullable MeterRegistry registry) {
		if (perKey < 1) {
			throw new IllegalArgumentException("perKey must be at least 1, was " + perKey);
		}
		this.name = name;
		this.perKey = perKey;
		this.maxQueuedPerKey = Math.max(0, maxQueuedPerKey);
		this.retryAfter = retryAfter;
		this.stats = new GateStats(name, kind(), registry);
	}

	/**
	 * The share of a number of threads, at least one.
	 * @param threads the executor's threads
	 * @param percent the share in percent (1 to 100)
	 * @return the threads one key may hold
	 */
	public static int of(int threads, int percent) {
		return Math.max(1, threads * percent / 100);
	}

	/**
	 * Run work within its key's share: subscribed once the key holds fewer than its share, released when the work
	 * completes, fails or is cancelled.
	 * @param key the key (a method)
	 * @param work the work
	 * @param <T> its value type
	 * @return the guarded work
	 */
	public <T> Mono<T> guard(Object key, Mono<T> work) {
		return Mono.defer(() -> {
			Share share = this.shares.computeIfAbsent(key, (k) -> new Share());
			return Mono.<Permit>create(share::acquire)
				.flatMap((permit) -> work.doFinally((signal) -> permit.release()))
				// A permit granted to a caller cancelled at that very moment is discarded by the sink: return it.
				.doOnDiscard(Permit.class, Permit::release);
		});
	}

	@Override
	public String name() {
		return this.name;
	}

	@Override
	public String kind() {
		return "offload";
	}

	@Override
	public GateSnapshot snapshot() {
		int inFlight = 0;
		int queued = 0;
		for (Share share : this.shares.values()) {
			synchronized (share) {
				inFlight += share.inFlight;
				queued += share.waiting.size();
			}
		}
		return new GateSnapshot(this.name, kind(), this.perKey, inFlight, queued, this.stats.admittedCount(),
				this.stats.rejectedCounts());
	}

	private CapacityExceededException busy() {
		return new CapacityExceededException(REASON_METHOD_BUSY, "This endpoint already holds its share of the '"
				+ this.name + "' executor (" + this.perKey + " requests, fluxgate.offload.blocking.method-share) and "
				+ this.maxQueuedPerKey + " more wait for it", this.retryAfter);
	}

	/** One key's permits and waiters. */
	private final class Share {

		/** Guarded by {@code this}. */
		private int inFlight;

		/** Guarded by {@code this}. */
		private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();

		void acquire(MonoSink<Permit> sink) {
			Waiter waiter = new Waiter(this, sink);
			sink.onCancel(waiter::cancel);
			boolean granted = false;
			synchronized (this) {
				if (this.inFlight < MethodShares.this.perKey) {
					this.inFlight++;
					granted = true;
				}
				else if (this.waiting.size() < MethodShares.this.maxQueuedPerKey) {
					this.waiting.addLast(waiter);
					return;
				}
			}
			if (granted) {
				waiter.grant();
			}
			else {
				waiter.state.set(Waiter.DONE);
				MethodShares.this.stats.rejected(REASON_METHOD_BUSY);
				sink.error(busy());
			}
		}

		void release() {
			Waiter next;
			synchronized (this) {
				do {
					next = this.waiting.pollFirst();
				}
				while (next != null && !next.state.compareAndSet(Waiter.WAITING, Waiter.GRANTED));
				if (next == null) {
					this.inFlight--;
				}
				// otherwise the permit passes straight to the next waiter
			}
			if (next != null) {
				next.deliver();
			}
		}

	}

	/** One admitted piece of work's permit; releasing it twice is harmless. */
	private static final class Permit {

		private final Share share;

		private final AtomicBoolean released = new AtomicBoolean();

		Permit(Share share) {
			this.share = share;
		}

		void release() {
			if (this.released.compareAndSet(false, true)) {
				this.share.release();
			}
		}

	}

	/** Work waiting for its key's share. */
	private final class Waiter {

		static final int WAITING = 0;

		static final int GRANTED = 1;

		static final int DONE = 2;

		final AtomicInteger state = new AtomicInteger(WAITING);

		final Share share;

		final MonoSink<Permit> sink;

		final Permit permit;

		final long since = System.nanoTime();

		Waiter(Share share, MonoSink<Permit> sink) {
			this.share = share;
			this.sink = sink;
			this.permit = new Permit(share);
		}

		/** Granted at once, without queueing. */
		void grant() {
			if (this.state.compareAndSet(WAITING, GRANTED)) {
				MethodShares.this.stats.admitted(0);
				this.sink.success(this.permit);
			}
			else {
				this.permit.release();
			}
		}

		/** Granted after waiting; the state is GRANTED already. */
		void deliver() {
			MethodShares.this.stats.admitted(System.nanoTime() - this.since);
			this.sink.success(this.permit);
		}

		void cancel() {
			if (this.state.compareAndSet(WAITING, DONE)) {
				synchronized (this.share) {
					this.share.waiting.remove(this);
				}
			}
			else if (this.state.get() == GRANTED) {
				// The sink runs this only when the cancel won the race against delivery: give the permit back.
				this.permit.release();
			}
		}

	}

}

package dev.fluxgate.offload;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.fluxgate.gate.FifoPermits;
import dev.fluxgate.gate.Gate;
import dev.fluxgate.gate.GateSnapshot;
import dev.fluxgate.gate.GateStats;
import dev.fluxgate.overload.CapacityExceededException;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

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

	private final Map<Object, FifoPermits> shares = new ConcurrentHashMap<>();

	private final FifoPermits.Refusal refusedBusy = new FifoPermits.Refusal(REASON_METHOD_BUSY, this::busy);

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
			FifoPermits share = this.shares.computeIfAbsent(key,
					(k) -> new FifoPermits(this.perKey, this.maxQueuedPerKey, this.stats, null));
			return FifoPermits.holding(share.acquire(this.refusedBusy), work);
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
		for (FifoPermits share : this.shares.values()) {
			FifoPermits.Load load = share.load();
			inFlight += load.inFlight();
			queued += load.queued();
		}
		return new GateSnapshot(this.name, kind(), this.perKey, inFlight, queued, this.stats.admittedCount(),
				this.stats.rejectedCounts());
	}

	private CapacityExceededException busy() {
		return new CapacityExceededException(REASON_METHOD_BUSY, "This endpoint already holds its share of the '"
				+ this.name + "' executor (" + this.perKey + " requests, fluxgate.offload.blocking.method-share) and "
				+ this.maxQueuedPerKey + " more wait for it", this.retryAfter);
	}

}

package dev.fluxgate.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import reactor.core.publisher.Mono;

/**
 * Token buckets in this JVM: one instance's view of the budget. A bucket left idle for longer than its longest
 * period is full again, so it is dropped (checked every {@value #SWEEP_EVERY} decisions) and the map cannot grow
 * with every client ever seen.
 */
public final class LocalRateLimitBackend implements RateLimitBackend {

	static final int SWEEP_EVERY = 4096;

	private final Map<String, Buckets> buckets = new ConcurrentHashMap<>();

	private final AtomicLong decisions = new AtomicLong();

	private final LongSupplier nanoClock;

	public LocalRateLimitBackend() {
		this(System::nanoTime);
	}

	LocalRateLimitBackend(LongSupplier nanoClock) {
		this.nanoClock = nanoClock;
	}

	@Override
	public Mono<RateLimitDecision> tryConsume(RateLimitPolicy policy, String key) {
		return Mono.fromSupplier(() -> decide(policy, key));
	}

	RateLimitDecision decide(RateLimitPolicy policy, String key) {
		long now = this.nanoClock.getAsLong();
		if (this.decisions.incrementAndGet() % SWEEP_EVERY == 0) {
			sweep(now);
		}
		Buckets state = this.buckets.computeIfAbsent(policy.name() + "\u0000" + key,
				(k) -> new Buckets(policy.windows(), now));
		return state.consume(policy.windows(), now);
	}

	private void sweep(long now) {
		this.buckets.values().removeIf((state) -> state.idleSince(now));
	}

	int size() {
		return this.buckets.size();
	}

	/** The buckets of one key, updated together under the object's monitor (a few arithmetic operations). */
	private static final class Buckets {

		private final double[] tokens;

		private final long longestPeriodNanos;

		private long updatedNanos;

		Buckets(List<RateLimitWindow> windows, long now) {
			this.tokens = new double[windows.size()];
			long longest = 0;
			for (int i = 0; i < this.tokens.length; i++) {
				this.tokens[i] = windows.get(i).limit();
				longest = Math.max(longest, windows.get(i).period().toNanos());
			}
			this.longestPeriodNanos = longest;
			this.updatedNanos = now;
		}

		synchronized RateLimitDecision consume(List<RateLimitWindow> windows, long now) {
			long elapsed = Math.max(0, now - this.updatedNanos);
			this.updatedNanos = now;
			boolean allowed = true;
			double retryNanos = 0;
			for (int i = 0; i < this.tokens.length; i++) {
				RateLimitWindow window = windows.get(i);
				this.tokens[i] = Math.min(window.limit(), this.tokens[i] + elapsed * window.tokensPerNano());
				if (this.tokens[i] < 1) {
					allowed = false;
					retryNanos = Math.max(retryNanos, (1 - this.tokens[i]) / window.tokensPerNano());
				}
			}
			List<RateLimitDecision.WindowState> states = new ArrayList<>(this.tokens.length);
			for (int i = 0; i < this.tokens.length; i++) {
				RateLimitWindow window = windows.get(i);
				if (allowed) {
					this.tokens[i] -= 1;
				}
				long resetNanos = (long) Math.ceil((window.limit() - this.tokens[i]) / window.tokensPerNano());
				states.add(new RateLimitDecision.WindowState(window, (long) Math.floor(this.tokens[i]),
						Duration.ofNanos(resetNanos)));
			}
			return new RateLimitDecision(allowed, Duration.ofNanos((long) Math.ceil(retryNanos)), states);
		}

		synchronized boolean idleSince(long now) {
			return now - this.updatedNanos > this.longestPeriodNanos;
		}

	}

}

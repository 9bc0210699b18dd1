package dev.fluxgate.autoconfigure.health;

import java.time.Duration;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;

/**
 * A health indicator that answers within a timeout (DOWN when the check has not finished) and that can skip its
 * check while the resource it would use is exhausted, reporting UNKNOWN instead of queueing behind requests.
 */
final class TimeBoundedHealthIndicator implements ReactiveHealthIndicator {

	private final ReactiveHealthIndicator delegate;

	private final Duration timeout;

	private final Supplier<@Nullable String> skipReason;

	/**
	 * Bound an indicator.
	 * @param delegate the indicator
	 * @param timeout the longest the check may take
	 * @param skipReason why the check should not run now, if it should not
	 */
	TimeBoundedHealthIndicator(ReactiveHealthIndicator delegate, Duration timeout, Supplier<@Nullable String> skipReason) {
		this.delegate = delegate;
		this.timeout = timeout;
		this.skipReason = skipReason;
	}

	@Override
	public Mono<Health> health() {
		return Mono.defer(() -> {
			String skip = this.skipReason.get();
			if (skip != null) {
				return Mono.just(Health.unknown().withDetail("skipped", skip).build());
			}
			// Built here, on the subscribing thread: the fallback is emitted from Reactor's timer thread, where
			// nothing but handing over a ready value should happen.
			Health timedOut = Health.down()
				.withDetail("error", "health check did not finish within " + this.timeout + " (fluxgate.health.timeout)")
				.build();
			return this.delegate.health().timeout(this.timeout, Mono.just(timedOut));
		});
	}

	ReactiveHealthIndicator delegate() {
		return this.delegate;
	}

}

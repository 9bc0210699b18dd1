package dev.fluxgate.autoconfigure.health;

import java.time.Duration;

import dev.fluxgate.autoconfigure.defaults.ConcurrencySettingsCollector;
import dev.fluxgate.autoconfigure.doctor.ConcurrencyDoctor;
import dev.fluxgate.autoconfigure.doctor.SaturationVerdict;
import reactor.core.publisher.Mono;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;

/**
 * The {@code concurrency} health component: UP normally, OUT_OF_SERVICE only while a resource has been saturated for
 * the whole saturation window (a pool at its maximum with waiters, a gate rejecting, an event loop lagging), so the
 * readiness group takes a saturated instance out of the load balancer until it recovers. Reads the doctor's last
 * verdict: no I/O, no pool, answers at once.
 */
class ConcurrencyHealthIndicator implements ReactiveHealthIndicator {

	private final ConcurrencyDoctor doctor;

	private final Duration window;

	ConcurrencyHealthIndicator(ConcurrencyDoctor doctor, Duration window) {
		this.doctor = doctor;
		this.window = window;
	}

	@Override
	public Mono<Health> health() {
		return Mono.fromSupplier(() -> {
			SaturationVerdict verdict = this.doctor.saturation();
			Health.Builder builder = verdict.saturated() ? Health.outOfService() : Health.up();
			builder.withDetail("saturationWindow", ConcurrencySettingsCollector.format(this.window));
			if (verdict.saturated()) {
				builder.withDetail("saturated", verdict.reasons());
			}
			return builder.build();
		});
	}

}

package dev.fluxgate.autoconfigure.doctor;

import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;

/**
 * Checks the capacity plan once the application is ready and logs a WARN per check that does not fit, so an
 * oversubscribed database is reported at deployment rather than at the first peak. The check reads the database
 * without blocking startup, and tries again a few times when the database does not answer in time (a cold pool on a
 * busy host).
 */
class CapacityPlanWarning implements ApplicationListener<ApplicationReadyEvent> {

	private static final Logger logger = LoggerFactory.getLogger(CapacityPlanWarning.class);

	private static final int ATTEMPTS = 4;

	private final ConcurrencyDoctor doctor;

	CapacityPlanWarning(ConcurrencyDoctor doctor) {
		this.doctor = doctor;
	}

	@Override
	public void onApplicationEvent(ApplicationReadyEvent event) {
		Mono.defer(() -> this.doctor.capacityPlan(this.doctor.sample().pools()))
			.flatMap((plan) -> databaseUnread(plan) ? Mono.<CapacityPlan>error(new DatabaseUnread(plan))
					: Mono.just(plan))
			.retryWhen(Retry.backoff(ATTEMPTS - 1, Duration.ofSeconds(2)))
			.subscribe(this::warn, (ex) -> logger.info("Fluxgate could not check the capacity plan against the "
					+ "database: {}", (ex.getCause() instanceof DatabaseUnread unread)
							? unread.plan.database().problem() : ex.toString()));
	}

	private void warn(CapacityPlan plan) {
		plan.findings()
			.forEach((finding) -> logger.warn("Fluxgate capacity plan does not fit: {} {}", finding.summary(),
					finding.advice()));
	}

	private static boolean databaseUnread(CapacityPlan plan) {
		return plan.database() != null && plan.database().limits() == null && plan.database().problem() != null
				&& plan.database().problem().startsWith("could not read");
	}

	private static final class DatabaseUnread extends RuntimeException {

		private final transient CapacityPlan plan;

		DatabaseUnread(CapacityPlan plan) {
			super(plan.database().problem(), null, false, false);
			this.plan = plan;
		}

	}

}

package dev.fluxgate.autoconfigure.doctor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;

/**
 * Checks the capacity plan once the application is ready and logs a WARN per check that does not fit, so an
 * oversubscribed database is reported at deployment rather than at the first peak. The check reads the database
 * without blocking startup.
 */
class CapacityPlanWarning implements ApplicationListener<ApplicationReadyEvent> {

	private static final Logger logger = LoggerFactory.getLogger(CapacityPlanWarning.class);

	private final ConcurrencyDoctor doctor;

	CapacityPlanWarning(ConcurrencyDoctor doctor) {
		this.doctor = doctor;
	}

	@Override
	public void onApplicationEvent(ApplicationReadyEvent event) {
		this.doctor.capacityPlan(this.doctor.sample().pools())
			.subscribe((plan) -> plan.findings()
				.forEach((finding) -> logger.warn("Fluxgate capacity plan does not fit: {} {}", finding.summary(),
						finding.advice())),
					(ex) -> logger.debug("Fluxgate could not check the capacity plan", ex));
	}

}

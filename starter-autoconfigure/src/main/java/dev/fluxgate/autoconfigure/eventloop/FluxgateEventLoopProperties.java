package dev.fluxgate.autoconfigure.eventloop;

import java.time.Duration;

import dev.fluxgate.autoconfigure.validation.PropertyChecks;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The event-loop lag probe and stall watchdog.
 */
@ConfigurationProperties("fluxgate.event-loop")
public class FluxgateEventLoopProperties implements InitializingBean {

	/**
	 * Whether to probe the event loops. Without it a blocked loop shows only as slow requests on unrelated
	 * endpoints, with nothing naming the cause.
	 */
	private boolean enabled = true;

	/**
	 * How often a trivial task is sent to each event loop to measure its lag (timer fluxgate.eventloop.lag).
	 * Shorter catches shorter blocks at a higher (still tiny) cost.
	 */
	private Duration interval = Duration.ofMillis(100);

	/**
	 * How long a loop may leave its probe task unrun before it counts as stalled: counter
	 * fluxgate.eventloop.stalls and one WARN with the loop thread's stack, which names the blocking call.
	 */
	private Duration stallThreshold = Duration.ofSeconds(1);

	/**
	 * The least time between two stall warnings for the same loop, so a loop that keeps stalling cannot flood the
	 * log. Every stall is still counted.
	 */
	private Duration stallLogInterval = Duration.ofSeconds(30);

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Duration getInterval() {
		return this.interval;
	}

	public void setInterval(Duration interval) {
		this.interval = interval;
	}

	public Duration getStallThreshold() {
		return this.stallThreshold;
	}

	public void setStallThreshold(Duration stallThreshold) {
		this.stallThreshold = stallThreshold;
	}

	public Duration getStallLogInterval() {
		return this.stallLogInterval;
	}

	public void setStallLogInterval(Duration stallLogInterval) {
		this.stallLogInterval = stallLogInterval;
	}

	@Override
	public void afterPropertiesSet() {
		PropertyChecks checks = PropertyChecks.forPrefix("fluxgate.event-loop");
		checks.positive("interval", this.interval);
		checks.positive("stall-threshold", this.stallThreshold);
		checks.positive("stall-log-interval", this.stallLogInterval);
	}

}

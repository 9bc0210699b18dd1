package dev.fluxgate.autoconfigure.health;

import java.time.Duration;

import dev.fluxgate.autoconfigure.validation.PropertyChecks;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * When the {@code concurrency} health component reports OUT_OF_SERVICE, when liveness breaks, and how long Boot's
 * R2DBC and Redis health checks may take.
 */
@ConfigurationProperties("fluxgate.health")
public class FluxgateHealthProperties implements InitializingBean {

	/**
	 * How long a pool must stay at its maximum with waiters, a gate keep rejecting, or an event loop keep lagging
	 * before the concurrency component reports OUT_OF_SERVICE (and readiness takes the instance out of the load
	 * balancer). Long enough that ordinary bursts do not make readiness flap; short enough that a saturated
	 * instance stops receiving traffic before its queues time out.
	 */
	private Duration saturationWindow = Duration.ofSeconds(30);

	/**
	 * Event-loop lag (p99 of the probe delay) above which a loop counts as saturated. Every connection served by
	 * that loop waits at least this long for each step of its request.
	 */
	private Duration eventLoopLagThreshold = Duration.ofMillis(500);

	/**
	 * How long every event loop must be unresponsive before liveness reports BROKEN. Only a total stall breaks
	 * liveness: saturation and failing dependencies never do, because restarting every instance under load turns an
	 * overload into an outage.
	 */
	private Duration stallThreshold = Duration.ofSeconds(30);

	/**
	 * Longest time Boot's R2DBC and Redis health checks may take before they report DOWN. Boot's own have no
	 * timeout, so a hung database made /actuator/health (and any probe including it) hang too. The R2DBC check is
	 * also skipped while the pool is exhausted, so it never queues behind requests.
	 */
	private Duration timeout = Duration.ofSeconds(2);

	public Duration getSaturationWindow() {
		return this.saturationWindow;
	}

	public void setSaturationWindow(Duration saturationWindow) {
		this.saturationWindow = saturationWindow;
	}

	public Duration getEventLoopLagThreshold() {
		return this.eventLoopLagThreshold;
	}

	public void setEventLoopLagThreshold(Duration eventLoopLagThreshold) {
		this.eventLoopLagThreshold = eventLoopLagThreshold;
	}

	public Duration getStallThreshold() {
		return this.stallThreshold;
	}

	public void setStallThreshold(Duration stallThreshold) {
		this.stallThreshold = stallThreshold;
	}

	public Duration getTimeout() {
		return this.timeout;
	}

	public void setTimeout(Duration timeout) {
		this.timeout = timeout;
	}

	@Override
	public void afterPropertiesSet() {
		PropertyChecks checks = PropertyChecks.forPrefix("fluxgate.health");
		checks.positive("saturation-window", this.saturationWindow);
		checks.positive("event-loop-lag-threshold", this.eventLoopLagThreshold);
		checks.positive("stall-threshold", this.stallThreshold);
		checks.positive("timeout", this.timeout);
	}

}

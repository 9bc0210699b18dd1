package dev.fluxgate.autoconfigure.redis;

import java.time.Duration;

import dev.fluxgate.autoconfigure.validation.PropertyChecks;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Lettuce client limits that Boot has no property for: the request queue, commands while disconnected, and how far
 * apart reconnect attempts may be. Timeouts keep Boot's names ({@code spring.data.redis.timeout},
 * {@code spring.data.redis.connect-timeout}); Fluxgate installs finite defaults for them.
 */
@ConfigurationProperties("fluxgate.redis")
public class FluxgateRedisProperties implements InitializingBean {

	/**
	 * Maximum commands a connection buffers (sent and awaiting a reply, or held while reconnecting); further
	 * commands fail at once with "Request queue size exceeded". Lettuce allows Integer.MAX_VALUE, so a slow or
	 * unreachable Redis grows the heap until the service falls over.
	 */
	private int requestQueueSize = 10_000;

	/**
	 * What commands do while the connection is down. Lettuce accepts and queues them by default, so every request
	 * touching Redis stalls for the full command timeout during an outage; rejecting fails them at once and lets
	 * fallbacks run.
	 */
	private DisconnectedBehavior disconnectedBehavior = DisconnectedBehavior.REJECT_COMMANDS;

	/**
	 * Longest wait between two attempts to reconnect to a Redis that was lost. Lettuce backs off exponentially up to
	 * 30 s, so a Redis that is back can stay unused for that long: commands are rejected, rate limiting falls back
	 * (or, fail-closed, refuses requests). Attempts still start close together and back off, up to this bound.
	 */
	private Duration maxReconnectDelay = Duration.ofSeconds(1);

	public int getRequestQueueSize() {
		return this.requestQueueSize;
	}

	public void setRequestQueueSize(int requestQueueSize) {
		this.requestQueueSize = requestQueueSize;
	}

	public DisconnectedBehavior getDisconnectedBehavior() {
		return this.disconnectedBehavior;
	}

	public void setDisconnectedBehavior(DisconnectedBehavior disconnectedBehavior) {
		this.disconnectedBehavior = disconnectedBehavior;
	}

	public Duration getMaxReconnectDelay() {
		return this.maxReconnectDelay;
	}

	public void setMaxReconnectDelay(Duration maxReconnectDelay) {
		this.maxReconnectDelay = maxReconnectDelay;
	}

	@Override
	public void afterPropertiesSet() {
		PropertyChecks checks = PropertyChecks.forPrefix("fluxgate.redis");
		checks.between("request-queue-size", this.requestQueueSize, 1, 10_000_000);
		checks.positive("max-reconnect-delay", this.maxReconnectDelay);
	}

	/**
	 * Behaviour of commands issued while the connection is down.
	 */
	public enum DisconnectedBehavior {

		/** Queue commands and send them after reconnecting (Lettuce's default). */
		ACCEPT_COMMANDS,

		/** Fail commands at once while disconnected. */
		REJECT_COMMANDS

	}

}

package dev.fluxgate.autoconfigure.background;

import java.time.Duration;

import dev.fluxgate.autoconfigure.validation.PropertyChecks;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Bounded fire-and-forget background tasks. They drain on graceful shutdown within
 * {@code spring.lifecycle.timeout-per-shutdown-phase}.
 */
@ConfigurationProperties("fluxgate.background")
public class FluxgateBackgroundProperties implements InitializingBean {

	/**
	 * The most background tasks running at once. Unbounded, a burst of requests each leaving work behind starves the
	 * request path of threads, connections and memory.
	 */
	private int concurrency = 4;

	/**
	 * The most background tasks waiting to run; beyond it submitting a task fails with 503 + Retry-After instead of
	 * growing an in-memory backlog that a restart would lose.
	 */
	private int queueCapacity = 256;

	/**
	 * The Retry-After of the 503 a request gets when its background task is refused.
	 */
	private Duration retryAfter = Duration.ofSeconds(1);

	public int getConcurrency() {
		return this.concurrency;
	}

	public void setConcurrency(int concurrency) {
		this.concurrency = concurrency;
	}

	public int getQueueCapacity() {
		return this.queueCapacity;
	}

	public void setQueueCapacity(int queueCapacity) {
		this.queueCapacity = queueCapacity;
	}

	public Duration getRetryAfter() {
		return this.retryAfter;
	}

	public void setRetryAfter(Duration retryAfter) {
		this.retryAfter = retryAfter;
	}

	@Override
	public void afterPropertiesSet() {
		PropertyChecks checks = PropertyChecks.forPrefix("fluxgate.background");
		checks.between("concurrency", this.concurrency, 1, 10_000);
		checks.between("queue-capacity", this.queueCapacity, 0, 1_000_000);
		checks.positive("retry-after", this.retryAfter);
	}

}

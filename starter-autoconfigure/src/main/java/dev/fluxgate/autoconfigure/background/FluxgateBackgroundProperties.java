package dev.fluxgate.autoconfigure.background;

import java.time.Duration;

import dev.fluxgate.autoconfigure.validation.PropertyChecks;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.DeprecatedConfigurationProperty;

/**
 * Bounded fire-and-forget background tasks. They drain on graceful shutdown within
 * {@code spring.lifecycle.timeout-per-shutdown-phase}.
 */
@ConfigurationProperties("fluxgate.background")
public class FluxgateBackgroundProperties implements InitializingBean {

	/**
	 * The most background tasks running at once (threads, as for fluxgate.offload.*.threads). Unbounded, a burst of
	 * requests each leaving work behind starves the request path of threads, connections and memory.
	 */
	private int threads = 4;

	/** The property that set {@link #threads}, named when its value is invalid. */
	private String threadsProperty = "threads";

	/**
	 * The most background tasks waiting to run; beyond it submitting a task fails with 503 + Retry-After instead of
	 * growing an in-memory backlog that a restart would lose.
	 */
	private int queueCapacity = 256;

	/**
	 * The Retry-After of the 503 a request gets when its background task is refused.
	 */
	private Duration retryAfter = Duration.ofSeconds(1);

	public int getThreads() {
		return this.threads;
	}

	public void setThreads(int threads) {
		this.threads = threads;
		this.threadsProperty = "threads";
	}

	/**
	 * The old name of {@link #getThreads()}, still bound.
	 * @return the number of threads
	 */
	@DeprecatedConfigurationProperty(replacement = "fluxgate.background.threads", since = "0.1.0",
			reason = "Named like fluxgate.offload.*.threads, the same knob")
	public int getConcurrency() {
		return this.threads;
	}

	public void setConcurrency(int concurrency) {
		this.threads = concurrency;
		this.threadsProperty = "concurrency";
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
		checks.between(this.threadsProperty, this.threads, 1, 10_000);
		checks.between("queue-capacity", this.queueCapacity, 0, 1_000_000);
		checks.positive("retry-after", this.retryAfter);
	}

}

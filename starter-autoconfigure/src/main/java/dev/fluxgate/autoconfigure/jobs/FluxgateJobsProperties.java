package dev.fluxgate.autoconfigure.jobs;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

import dev.fluxgate.autoconfigure.validation.InvalidPropertyException;
import dev.fluxgate.autoconfigure.validation.PropertyChecks;
import dev.fluxgate.jobs.JobQueueSettings;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Durable jobs on Redis Streams: the defaults of every queue, and per-queue overrides under
 * {@code fluxgate.jobs.queues.<name>.*} with the same names.
 */
@ConfigurationProperties("fluxgate.jobs")
public class FluxgateJobsProperties implements InitializingBean {

	private static final String PREFIX = "fluxgate.jobs";

	private static final Pattern QUEUE_NAME = Pattern.compile("[A-Za-z0-9._:-]{1,100}");

	/**
	 * Whether jobs are active when the application has a reactive Redis connection factory; off, Fluxgate neither
	 * defines the Jobs bean nor touches Redis for jobs.
	 */
	private boolean enabled = true;

	/**
	 * Handlers of a queue running at once in each instance, and the most jobs an instance reads ahead; without a bound
	 * a backlog of slow jobs takes every thread, connection and byte of memory of the instance that reads it.
	 */
	private int concurrency = 8;

	/**
	 * Attempts before a job is dead-lettered; without a bound a job that can never succeed (a poison message) is
	 * retried forever and crowds out the others.
	 */
	private int maxAttempts = 5;

	private final Backoff backoff = new Backoff();

	/**
	 * How long one attempt may run before it is cancelled and counted as failed; a handler hung on a call without a
	 * timeout would otherwise hold its slot forever.
	 */
	private Duration attemptTimeout = Duration.ofMinutes(5);

	/**
	 * How long a job may go without a sign of life from its instance before another instance takes it over; live
	 * instances renew their running jobs every third of it, so only the jobs of a killed or cut-off instance move,
	 * and they wait no longer than this.
	 */
	private Duration visibilityTimeout = Duration.ofSeconds(30);

	/**
	 * The most unfinished jobs (ready, running, delayed) a queue holds in Redis; a submit beyond it fails with 503
	 * jobs-queue-full instead of growing Redis memory until Redis evicts keys or refuses every write.
	 */
	private long maxLength = 100_000;

	/**
	 * How long an idempotency key is remembered when the submit does not say; each key is a Redis key for that long,
	 * so a longer window costs memory.
	 */
	private Duration idempotencyWindow = Duration.ofHours(1);

	/**
	 * Overrides for single queues, by queue name.
	 */
	private final Map<String, Queue> queues = new LinkedHashMap<>();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public int getConcurrency() {
		return this.concurrency;
	}

	public void setConcurrency(int concurrency) {
		this.concurrency = concurrency;
	}

	public int getMaxAttempts() {
		return this.maxAttempts;
	}

	public void setMaxAttempts(int maxAttempts) {
		this.maxAttempts = maxAttempts;
	}

	public Backoff getBackoff() {
		return this.backoff;
	}

	public Duration getAttemptTimeout() {
		return this.attemptTimeout;
	}

	public void setAttemptTimeout(Duration attemptTimeout) {
		this.attemptTimeout = attemptTimeout;
	}

	public Duration getVisibilityTimeout() {
		return this.visibilityTimeout;
	}

	public void setVisibilityTimeout(Duration visibilityTimeout) {
		this.visibilityTimeout = visibilityTimeout;
	}

	public long getMaxLength() {
		return this.maxLength;
	}

	public void setMaxLength(long maxLength) {
		this.maxLength = maxLength;
	}

	public Duration getIdempotencyWindow() {
		return this.idempotencyWindow;
	}

	public void setIdempotencyWindow(Duration idempotencyWindow) {
		this.idempotencyWindow = idempotencyWindow;
	}

	public Map<String, Queue> getQueues() {
		return this.queues;
	}

	/**
	 * The settings of every queue without overrides.
	 * @return the defaults
	 */
	JobQueueSettings defaults() {
		return new JobQueueSettings(this.concurrency, this.maxAttempts, this.backoff.getInitial(),
				this.backoff.getMax(), this.backoff.getJitter(), this.attemptTimeout, this.visibilityTimeout,
				this.maxLength);
	}

	/**
	 * The settings of each queue with overrides, the defaults filling what it does not set.
	 * @return the settings by queue
	 */
	Map<String, JobQueueSettings> queueSettings() {
		Map<String, JobQueueSettings> settings = new LinkedHashMap<>();
		this.queues.forEach((name, queue) -> settings.put(name, queue.over(defaults())));
		return settings;
	}

	@Override
	public void afterPropertiesSet() {
		check(PREFIX, defaults());
		this.queues.forEach((name, queue) -> {
			if (!QUEUE_NAME.matcher(name).matches()) {
				throw new InvalidPropertyException(PREFIX + ".queues." + name, name,
						"a queue name of 1 to 100 letters, digits, '.', '_', ':' or '-'");
			}
			check(PREFIX + ".queues." + name, queue.over(defaults()));
		});
		PropertyChecks.forPrefix(PREFIX).positive("idempotency-window", this.idempotencyWindow);
	}

	private static void check(String prefix, JobQueueSettings settings) {
		PropertyChecks checks = PropertyChecks.forPrefix(prefix);
		checks.between("concurrency", settings.concurrency(), 1, 1000);
		checks.between("max-attempts", settings.maxAttempts(), 1, 1000);
		checks.positive("backoff.initial", settings.backoffInitial());
		checks.positive("backoff.max", settings.backoffMax());
		if (settings.backoffMax().compareTo(settings.backoffInitial()) < 0) {
			throw new InvalidPropertyException(prefix + ".backoff.max", settings.backoffMax(),
					"at least " + prefix + ".backoff.initial (" + settings.backoffInitial() + ")");
		}
		if (!(settings.backoffJitter() >= 0 && settings.backoffJitter() <= 1)) {
			throw new InvalidPropertyException(prefix + ".backoff.jitter", settings.backoffJitter(),
					"between 0 and 1 (a fraction of each wait)");
		}
		checks.positive("attempt-timeout", settings.attemptTimeout());
		if (settings.visibilityTimeout().compareTo(Duration.ofSeconds(1)) < 0) {
			throw new InvalidPropertyException(prefix + ".visibility-timeout", settings.visibilityTimeout(),
					"at least 1s (running jobs are renewed every third of it)");
		}
		if (settings.maxLength() < 1 || settings.maxLength() > 1_000_000_000L) {
			throw new InvalidPropertyException(prefix + ".max-length", settings.maxLength(),
					"between 1 and 1000000000");
		}
	}

	/**
	 * Waits between attempts: exponential, capped, with jitter.
	 */
	public static class Backoff {

		/**
		 * The wait before the second attempt; retrying at once hammers a dependency that has just failed.
		 */
		private Duration initial = Duration.ofSeconds(1);

		/**
		 * The longest wait between attempts; doubling without a cap would push the last attempts of a job hours or
		 * days away.
		 */
		private Duration max = Duration.ofMinutes(5);

		/**
		 * The fraction (0 to 1) of each wait taken off at random, so jobs that failed together (an outage) do not all
		 * retry at the same moment.
		 */
		private double jitter = 0.5;

		public Duration getInitial() {
			return this.initial;
		}

		public void setInitial(Duration initial) {
			this.initial = initial;
		}

		public Duration getMax() {
			return this.max;
		}

		public void setMax(Duration max) {
			this.max = max;
		}

		public double getJitter() {
			return this.jitter;
		}

		public void setJitter(double jitter) {
			this.jitter = jitter;
		}

	}

	/**
	 * Overrides for one queue; what is not set comes from {@code fluxgate.jobs.*}.
	 */
	public static class Queue {

		/**
		 * Handlers of this queue running at once in each instance.
		 */
		private @Nullable Integer concurrency;

		/**
		 * Attempts before a job of this queue is dead-lettered.
		 */
		private @Nullable Integer maxAttempts;

		private final QueueBackoff backoff = new QueueBackoff();

		/**
		 * How long one attempt may run before it is cancelled.
		 */
		private @Nullable Duration attemptTimeout;

		/**
		 * How long a job may go without a sign of life before another instance takes it over.
		 */
		private @Nullable Duration visibilityTimeout;

		/**
		 * The most unfinished jobs this queue holds.
		 */
		private @Nullable Long maxLength;

		public @Nullable Integer getConcurrency() {
			return this.concurrency;
		}

		public void setConcurrency(@Nullable Integer concurrency) {
			this.concurrency = concurrency;
		}

		public @Nullable Integer getMaxAttempts() {
			return this.maxAttempts;
		}

		public void setMaxAttempts(@Nullable Integer maxAttempts) {
			this.maxAttempts = maxAttempts;
		}

		public QueueBackoff getBackoff() {
			return this.backoff;
		}

		public @Nullable Duration getAttemptTimeout() {
			return this.attemptTimeout;
		}

		public void setAttemptTimeout(@Nullable Duration attemptTimeout) {
			this.attemptTimeout = attemptTimeout;
		}

		public @Nullable Duration getVisibilityTimeout() {
			return this.visibilityTimeout;
		}

		public void setVisibilityTimeout(@Nullable Duration visibilityTimeout) {
			this.visibilityTimeout = visibilityTimeout;
		}

		public @Nullable Long getMaxLength() {
			return this.maxLength;
		}

		public void setMaxLength(@Nullable Long maxLength) {
			this.maxLength = maxLength;
		}

		JobQueueSettings over(JobQueueSettings defaults) {
			return new JobQueueSettings(or(this.concurrency, defaults.concurrency()),
					or(this.maxAttempts, defaults.maxAttempts()),
					or(this.backoff.getInitial(), defaults.backoffInitial()),
					or(this.backoff.getMax(), defaults.backoffMax()),
					or(this.backoff.getJitter(), defaults.backoffJitter()),
					or(this.attemptTimeout, defaults.attemptTimeout()),
					or(this.visibilityTimeout, defaults.visibilityTimeout()), or(this.maxLength, defaults.maxLength()));
		}

		private static <T> T or(@Nullable T value, T fallback) {
			return (value != null) ? value : fallback;
		}

	}

	/**
	 * Backoff overrides for one queue.
	 */
	public static class QueueBackoff {

		/**
		 * The wait before the second attempt of this queue's jobs.
		 */
		private @Nullable Duration initial;

		/**
		 * The longest wait between attempts of this queue's jobs.
		 */
		private @Nullable Duration max;

		/**
		 * The fraction of each wait taken off at random.
		 */
		private @Nullable Double jitter;

		public @Nullable Duration getInitial() {
			return this.initial;
		}

		public void setInitial(@Nullable Duration initial) {
			this.initial = initial;
		}

		public @Nullable Duration getMax() {
			return this.max;
		}

		public void setMax(@Nullable Duration max) {
			this.max = max;
		}

		public @Nullable Double getJitter() {
			return this.jitter;
		}

		public void setJitter(@Nullable Double jitter) {
			this.jitter = jitter;
		}

	}

}

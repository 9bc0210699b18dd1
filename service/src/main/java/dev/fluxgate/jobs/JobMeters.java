package dev.fluxgate.jobs;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import org.jspecify.annotations.Nullable;

/**
 * The meters of one queue, all tagged {@code queue}. Counters count what this instance did; gauges show what Redis
 * holds, refreshed by this instance's worker for the queues it handles.
 */
final class JobMeters {

	static final String SUBMITTED = "fluxgate.jobs.submitted";

	static final String COMPLETED = "fluxgate.jobs.completed";

	static final String FAILED_ATTEMPTS = "fluxgate.jobs.attempts.failed";

	static final String DEAD_LETTERED = "fluxgate.jobs.dead.lettered";

	static final String BACKLOG = "fluxgate.jobs.backlog";

	static final String PENDING = "fluxgate.jobs.pending";

	static final String DELAYED = "fluxgate.jobs.delayed";

	static final String DEAD = "fluxgate.jobs.dead";

	static final String OLDEST_AGE = "fluxgate.jobs.oldest.age";

	private final String queue;

	private final MeterRegistry registry;

	private final Counter submitted;

	private final Counter completed;

	private final Counter failedAttempts;

	private final Counter deadLettered;

	/** The same counts kept here too, for the doctor, whatever the registry does with its counters. */
	final LongAdder completedCount = new LongAdder();

	final LongAdder failedCount = new LongAdder();

	final LongAdder deadCount = new LongAdder();

	JobMeters(String queue, @Nullable MeterRegistry registry) {
		this.queue = queue;
		this.registry = (registry != null) ? registry : new CompositeMeterRegistry();
		this.submitted = counter(SUBMITTED, "Jobs this instance stored");
		this.completed = counter(COMPLETED, "Jobs whose handler succeeded in this instance");
		this.failedAttempts = counter(FAILED_ATTEMPTS, "Attempts that failed (error or timeout) in this instance");
		this.deadLettered = counter(DEAD_LETTERED, "Jobs this instance moved to the dead letters after their last attempt");
	}

	private Counter counter(String name, String description) {
		return Counter.builder(name).description(description).tag("queue", this.queue).register(this.registry);
	}

	/**
	 * Publish the queue's gauges, read from the worker's latest look at Redis.
	 * @param stats the latest stats, once there are any
	 */
	void gauges(Supplier<@Nullable JobQueueStats> stats) {
		gauge(BACKLOG, "Jobs ready to run that no consumer has taken yet", stats, JobQueueStats::backlog);
		gauge(PENDING, "Jobs taken by a consumer and not finished", stats, JobQueueStats::pending);
		gauge(DELAYED, "Jobs waiting for their delay or their next attempt", stats, JobQueueStats::delayed);
		gauge(DEAD, "Dead-lettered jobs", stats, JobQueueStats::dead);
		TimeGauge.builder(OLDEST_AGE, stats, TimeUnit.MILLISECONDS, (source) -> {
			JobQueueStats now = source.get();
			return (now != null && now.oldestAge() != null) ? now.oldestAge().toMillis() : 0;
		}).description("How long the oldest unfinished job has been ready to run").tag("queue", this.queue)
			.register(this.registry);
	}

	private void gauge(String name, String description, Supplier<@Nullable JobQueueStats> stats,
			ToLongFunction<JobQueueStats> value) {
		Gauge.builder(name, stats, (source) -> {
			JobQueueStats now = source.get();
			return (now != null) ? value.applyAsLong(now) : 0;
		}).description(description).tag("queue", this.queue).register(this.registry);
	}

	void submitted() {
		this.submitted.increment();
	}

	void completed() {
		this.completed.increment();
		this.completedCount.increment();
	}

	void failedAttempt() {
		this.failedAttempts.increment();
		this.failedCount.increment();
	}

	void deadLettered() {
		this.deadLettered.increment();
		this.deadCount.increment();
	}

}

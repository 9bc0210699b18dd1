package dev.fluxgate.autoconfigure.jobs;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.fluxgate.jobs.JobQueueSettings;
import dev.fluxgate.jobs.JobQueueStats;
import dev.fluxgate.jobs.JobWorker;
import dev.fluxgate.jobs.Jobs;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * {@code /actuator/jobs}: every queue this instance knows with what Redis holds for it; {@code /actuator/jobs/<queue>}
 * adds the newest dead letters (ids and last errors); a {@code POST} to it replays the queue's dead letters. Exposed
 * over HTTP only when {@code management.endpoints.web.exposure.include} names {@code jobs}, and the write operation is
 * an operator's action: secure it like any actuator write. Public: an actuator endpoint type.
 */
@Endpoint(id = "jobs")
public class JobsEndpoint {

	static final int DEAD_LETTERS_SHOWN = 20;

	static final int DEFAULT_REPLAY = 1000;

	static final Duration TIMEOUT = Duration.ofSeconds(5);

	private final Jobs jobs;

	JobsEndpoint(Jobs jobs) {
		this.jobs = jobs;
	}

	@ReadOperation
	public Mono<Map<String, Object>> queues() {
		return queueSummaries(this.jobs).map((queues) -> Map.of("queues", queues));
	}

	@ReadOperation
	public Mono<Map<String, Object>> queue(@Selector String queue) {
		return this.jobs.stats(queue)
			.onErrorMap(IllegalArgumentException.class, JobsEndpoint::badRequest)
			.zipWith(this.jobs.deadLetters(queue, DEAD_LETTERS_SHOWN))
			.map((both) -> {
				Map<String, Object> body = summary(both.getT1(), this.jobs.workers().get(queue));
				body.put("deadLetters", both.getT2());
				return body;
			})
			.timeout(TIMEOUT);
	}

	/**
	 * Put dead-lettered jobs back in their queue, oldest first, with their attempts reset.
	 * @param queue the queue
	 * @param max at most this many (1000 when absent)
	 * @return how many were put back
	 */
	@WriteOperation
	public Mono<Map<String, Object>> replay(@Selector String queue, @Nullable Integer max) {
		int limit = (max != null) ? Math.max(1, Math.min(max, 100_000)) : DEFAULT_REPLAY;
		return this.jobs.replay(queue, limit)
			.onErrorMap(IllegalArgumentException.class, JobsEndpoint::badRequest)
			.map((replayed) -> Map.<String, Object>of("queue", queue, "replayed", replayed));
	}

	/** A bad queue name is the caller's mistake: 400, not 500. */
	private static InvalidEndpointRequestException badRequest(IllegalArgumentException ex) {
		return new InvalidEndpointRequestException(ex.getMessage(), ex.getMessage(), ex);
	}

	static Mono<List<Map<String, Object>>> queueSummaries(Jobs jobs) {
		return Flux.fromIterable(jobs.queues())
			.concatMap((queue) -> jobs.stats(queue).map((stats) -> summary(stats, jobs.workers().get(queue))))
			.collectList()
			.timeout(TIMEOUT);
	}

	static Map<String, Object> summary(JobQueueStats stats, @Nullable JobWorker worker) {
		Map<String, Object> summary = new LinkedHashMap<>();
		summary.put("queue", stats.queue());
		summary.put("backlog", stats.backlog());
		summary.put("pending", stats.pending());
		summary.put("delayed", stats.delayed());
		summary.put("dead", stats.dead());
		summary.put("oldestAgeMs", (stats.oldestAge() != null) ? stats.oldestAge().toMillis() : null);
		if (worker != null) {
			JobQueueSettings settings = worker.settings();
			summary.put("handledHere", true);
			summary.put("concurrency", settings.concurrency());
			summary.put("running", worker.snapshot().inFlight());
			summary.put("maxAttempts", settings.maxAttempts());
			summary.put("maxLength", settings.maxLength());
		}
		else {
			summary.put("handledHere", false);
		}
		return summary;
	}

}

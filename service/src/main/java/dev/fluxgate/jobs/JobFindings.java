package dev.fluxgate.jobs;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.fluxgate.doctor.Category;
import dev.fluxgate.doctor.Finding;
import dev.fluxgate.doctor.FindingSource;
import dev.fluxgate.doctor.Severity;

/**
 * The doctor's rules for job queues, over the history each worker of this instance keeps (a look at Redis every 5
 * seconds, 10 minutes kept):
 * <ul>
 * <li>{@code jobs.backlog-growing}: over at least a minute, the backlog grew and its oldest job kept waiting, so the
 * queue is not draining;</li>
 * <li>{@code jobs.handler-failing}: attempts failed in the window and none succeeded (critical), or most failed;</li>
 * <li>{@code jobs.dead-letters}: the queue holds dead letters (critical when some arrived in the window).</li>
 * </ul>
 * Public: the auto-configuration registers it with the doctor.
 */
public final class JobFindings implements FindingSource {

	private static final Duration MIN_TREND = Duration.ofMinutes(1);

	private final Jobs jobs;

	/**
	 * Findings about the queues this instance handles.
	 * @param jobs the jobs
	 */
	public JobFindings(Jobs jobs) {
		this.jobs = jobs;
	}

	@Override
	public List<Finding> findings() {
		List<Finding> findings = new ArrayList<>();
		this.jobs.workers().forEach((queue, worker) -> findings.addAll(findings(queue, worker.settings(),
				worker.history())));
		return findings;
	}

	static List<Finding> findings(String queue, JobQueueSettings settings, List<JobWorker.Sample> history) {
		List<Finding> findings = new ArrayList<>();
		if (history.isEmpty()) {
			return findings;
		}
		JobWorker.Sample oldest = history.get(0);
		JobWorker.Sample newest = history.get(history.size() - 1);
		Duration window = Duration.between(oldest.at(), newest.at());
		String resource = "jobs/" + queue;
		String prefix = "fluxgate.jobs.queues." + queue;
		backlog(queue, settings, oldest, newest, window, resource, prefix, findings);
		failures(queue, oldest, newest, window, resource, findings);
		deadLetters(queue, oldest, newest, window, resource, findings);
		return findings;
	}

	private static void backlog(String queue, JobQueueSettings settings, JobWorker.Sample oldest,
			JobWorker.Sample newest, Duration window, String resource, String prefix, List<Finding> findings) {
		Duration ageBefore = oldest.stats().oldestAge();
		Duration ageNow = newest.stats().oldestAge();
		boolean grew = newest.stats().backlog() > oldest.stats().backlog() && newest.stats().backlog() > 0;
		boolean stuck = ageBefore != null && ageNow != null
				&& ageNow.minus(ageBefore).compareTo(window.multipliedBy(3).dividedBy(4)) >= 0;
		if (window.compareTo(MIN_TREND) < 0 || !grew || !stuck) {
			return;
		}
		Map<String, Object> evidence = new LinkedHashMap<>();
		evidence.put("fluxgate.jobs.backlog{queue=" + queue + "}", newest.stats().backlog());
		evidence.put("backlog " + window.toSeconds() + "s ago", oldest.stats().backlog());
		evidence.put("fluxgate.jobs.oldest.age{queue=" + queue + "} s", ageNow.toSeconds());
		evidence.put("completed here in the window", newest.completed() - oldest.completed());
		findings.add(new Finding("jobs.backlog-growing", Category.JOBS, Severity.WARNING, resource,
				"Queue '%s' is not keeping up: its backlog grew from %d to %d in %ds and its oldest job has waited %ds."
					.formatted(queue, oldest.stats().backlog(), newest.stats().backlog(), window.toSeconds(),
							ageNow.toSeconds()),
				evidence,
				"Raise %s.concurrency (now %d per instance) if what the handler calls can take more, make the handler faster, or add instances. Check the handler's latency and what it waits on (fluxgate.gate.in.flight{kind=jobs})."
					.formatted(prefix, settings.concurrency())));
	}

	private static void failures(String queue, JobWorker.Sample oldest, JobWorker.Sample newest, Duration window,
			String resource, List<Finding> findings) {
		long failed = newest.failedAttempts() - oldest.failedAttempts();
		long completed = newest.completed() - oldest.completed();
		boolean allFailing = failed >= 3 && completed == 0;
		boolean mostFailing = failed >= 5 && failed > completed;
		if (!allFailing && !mostFailing) {
			return;
		}
		Map<String, Object> evidence = new LinkedHashMap<>();
		evidence.put("fluxgate.jobs.attempts.failed{queue=" + queue + "} in the window", failed);
		evidence.put("fluxgate.jobs.completed{queue=" + queue + "} in the window", completed);
		evidence.put("window s", window.toSeconds());
		findings.add(new Finding("jobs.handler-failing", Category.JOBS,
				allFailing ? Severity.CRITICAL : Severity.WARNING, resource,
				"The handler of queue '%s' keeps failing: %d failed attempt(s) and %d success(es) in the last %ds."
					.formatted(queue, failed, completed, window.toSeconds()),
				evidence,
				"Read the WARN lines 'Job ... failed attempt' for the error. If a dependency is down, the retries back off on their own; if the payload or the code is wrong, fix it and replay the dead letters (POST /actuator/jobs/%s)."
					.formatted(queue)));
	}

	private static void deadLetters(String queue, JobWorker.Sample oldest, JobWorker.Sample newest, Duration window,
			String resource, List<Finding> findings) {
		long dead = newest.stats().dead();
		if (dead <= 0) {
			return;
		}
		long recent = newest.stats().dead() - oldest.stats().dead();
		Map<String, Object> evidence = new LinkedHashMap<>();
		evidence.put("fluxgate.jobs.dead{queue=" + queue + "}", dead);
		evidence.put("dead-lettered in the last " + window.toSeconds() + "s", Math.max(0, recent));
		findings.add(new Finding("jobs.dead-letters", Category.JOBS,
				(recent > 0) ? Severity.CRITICAL : Severity.WARNING, resource,
				"Queue '%s' holds %d dead-lettered job(s) that used up their attempts.".formatted(queue, dead),
				evidence,
				"Read their ids and last errors at GET /actuator/jobs/%s, fix the cause, then put them back with POST /actuator/jobs/%s (they are trimmed beyond max-length, oldest first)."
					.formatted(queue, queue)));
	}

}

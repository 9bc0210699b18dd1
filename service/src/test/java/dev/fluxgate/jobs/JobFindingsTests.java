package dev.fluxgate.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import dev.fluxgate.doctor.Category;
import dev.fluxgate.doctor.Finding;
import dev.fluxgate.doctor.Severity;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The doctor's rules for job queues, on histories built by hand.
 */
class JobFindingsTests {

	private static final JobQueueSettings SETTINGS = new JobQueueSettings(8, 5, Duration.ofSeconds(1),
			Duration.ofMinutes(5), 0.5, Duration.ofMinutes(5), Duration.ofSeconds(30), 100_000);

	private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

	private static JobWorker.Sample sample(int second, long backlog, Long oldestAgeSeconds, long dead, long completed,
			long failed) {
		return new JobWorker.Sample(T0.plusSeconds(second),
				new JobQueueStats("mail", backlog, 0, 0, dead,
						(oldestAgeSeconds != null) ? Duration.ofSeconds(oldestAgeSeconds) : null),
				completed, failed, 0);
	}

	@Test
	void healthyQueueHasNoFinding() {
		assertThat(JobFindings.findings("mail", SETTINGS,
				List.of(sample(0, 10, 1L, 0, 0, 0), sample(60, 12, 1L, 0, 500, 1), sample(120, 3, 0L, 0, 1000, 1))))
			.isEmpty();
	}

	@Test
	void backlogThatGrowsWhileItsOldestJobWaitsIsNotKeepingUp() {
		List<Finding> findings = JobFindings.findings("mail", SETTINGS,
				List.of(sample(0, 100, 10L, 0, 0, 0), sample(60, 400, 70L, 0, 50, 0), sample(120, 900, 130L, 0, 100, 0)));
		assertThat(findings).singleElement().satisfies((finding) -> {
			assertThat(finding.id()).isEqualTo("jobs.backlog-growing");
			assertThat(finding.category()).isEqualTo(Category.JOBS);
			assertThat(finding.resource()).isEqualTo("jobs/mail");
			assertThat(finding.advice()).contains("fluxgate.jobs.queues.mail.concurrency (now 8");
		});
	}

	@Test
	void aShortOrDrainingBacklogIsNoTrend() {
		// growing for only 30 s
		assertThat(JobFindings.findings("mail", SETTINGS, List.of(sample(0, 100, 10L, 0, 0, 0),
				sample(30, 400, 40L, 0, 0, 0)))).isEmpty();
		// growing, but the oldest job keeps being taken (the queue drains, just behind a burst)
		assertThat(JobFindings.findings("mail", SETTINGS, List.of(sample(0, 100, 10L, 0, 0, 0),
				sample(120, 400, 12L, 0, 5000, 0)))).isEmpty();
	}

	@Test
	void handlerThatOnlyFailsIsCriticalAndOneThatMostlyFailsAWarning() {
		assertThat(JobFindings.findings("mail", SETTINGS, List.of(sample(0, 0, null, 0, 10, 0),
				sample(60, 0, null, 0, 10, 3))))
			.singleElement()
			.satisfies((finding) -> {
				assertThat(finding.id()).isEqualTo("jobs.handler-failing");
				assertThat(finding.severity()).isEqualTo(Severity.CRITICAL);
			});
		assertThat(JobFindings.findings("mail", SETTINGS, List.of(sample(0, 0, null, 0, 0, 0),
				sample(60, 0, null, 0, 4, 6))))
			.singleElement()
			.satisfies((finding) -> assertThat(finding.severity()).isEqualTo(Severity.WARNING));
	}

	@Test
	void deadLettersAreReportedCriticalWhileNewOnesArrive() {
		assertThat(JobFindings.findings("mail", SETTINGS, List.of(sample(0, 0, null, 1, 0, 0),
				sample(60, 0, null, 2, 0, 0))))
			.singleElement()
			.satisfies((finding) -> {
				assertThat(finding.id()).isEqualTo("jobs.dead-letters");
				assertThat(finding.severity()).isEqualTo(Severity.CRITICAL);
				assertThat(finding.advice()).contains("POST /actuator/jobs/mail");
			});
		assertThat(JobFindings.findings("mail", SETTINGS, List.of(sample(0, 0, null, 2, 0, 0),
				sample(60, 0, null, 2, 0, 0))))
			.singleElement()
			.satisfies((finding) -> assertThat(finding.severity()).isEqualTo(Severity.WARNING));
	}

}

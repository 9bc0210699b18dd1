package dev.fluxgate.autoconfigure.doctor;

import dev.fluxgate.doctor.Category;
import dev.fluxgate.doctor.Finding;
import dev.fluxgate.doctor.Severity;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.fluxgate.gate.GateSnapshot;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the doctor says about the failures Fluxgate's bounds create: advice that fits the cause, in troubleshooting
 * order, and a caller's own deadline never blamed on this service's request timeout.
 */
class DependencyFailureDiagnosisTests {

	private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

	private static final DiagnosisSettings SETTINGS = new DiagnosisSettings(Duration.ofSeconds(10),
			Duration.ofMillis(200), 10);

	private static final String STATEMENT_TIMEOUTS = "fluxgate.server.dependency.failures{reason=db-statement-timeout}";

	@Test
	void aSpikeOfStatementTimeoutsSaysTheDatabaseIsSlowOrLockedNotToWaitLongerForConnections() {
		// A locked table: every connection waits on the lock, acquisitions time out, statements hit their timeout.
		List<Signals> history = history(10, (s) -> new Signals(T0.plusSeconds(s), 10.0,
				List.of(new PoolSignal("r2dbc", "connectionFactory", 10, 10, 0, 20, 100, "spring.r2dbc.pool.max-size")),
				List.of(), List.of(), List.of(),
				List.of(new TimeoutSignal("timeout", "db-statement-timeout", STATEMENT_TIMEOUTS, 4L * s,
						"fluxgate.r2dbc.statement-timeout"),
						new TimeoutSignal("timeout", "r2dbc-acquire", "fluxgate.r2dbc.pool.acquire{outcome=timeout}",
								3L * s, "spring.r2dbc.pool.max-acquire-time")),
				null));

		List<Finding> findings = Diagnosis.diagnose(history, SETTINGS, null);

		Finding statements = find(findings, "timeouts", "db-statement-timeout");
		assertThat(statements.category()).isEqualTo(Category.TIMEOUTS);
		assertThat(statements.summary()).startsWith("40 request(s) failed with 504");
		assertThat(statements.advice()).contains("slow or blocked by locks", "pg_stat_activity", "pg_locks",
				"fluxgate.r2dbc.statement-timeout")
			.doesNotContain("max-acquire-time");
		assertThat(statements.evidence()).containsEntry(STATEMENT_TIMEOUTS, 40L).containsEntry("recent", 40L);
		// The pool and acquire findings point at the database too, not at a bigger pool or a longer wait.
		assertThat(find(findings, "pool.exhausted", "r2dbc/connectionFactory").advice())
			.contains("statement timeout", "database is slow or locked")
			.doesNotContain("Raise spring.r2dbc.pool.max-size");
		assertThat(find(findings, "timeouts", "r2dbc-acquire").advice()).contains("db-statement-timeout")
			.doesNotContain("raise");
	}

	@Test
	void deadlinesTheCallerSentAreCountedApartAndNeverBlameTheRequestTimeout() {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		registry.counter(MeterSignals.DEADLINE_EXCEEDED, "phase", "processing", "origin", "caller").increment(7);
		registry.counter(MeterSignals.DEADLINE_EXCEEDED, "phase", "arrival", "origin", "caller").increment(2);
		MeterSignals meters = new MeterSignals(registry);

		List<Signals> history = List.of(sample(0, List.of()), sample(5, meters.timeouts()));
		List<Finding> findings = Diagnosis.diagnose(history, SETTINGS, null);

		assertThat(findings).singleElement().satisfies((finding) -> {
			assertThat(finding.id()).isEqualTo("timeouts");
			assertThat(finding.resource()).isEqualTo("caller-deadline");
			assertThat(finding.severity()).isEqualTo(Severity.INFO);
			assertThat(finding.evidence()).containsEntry("fluxgate.server.deadline.exceeded{origin=caller}", 9L);
			assertThat(finding.advice()).contains("caller").doesNotContain("fluxgate.server.request-timeout");
		});

		// The server's own timeout is a different finding, with the advice about it.
		registry.counter(MeterSignals.DEADLINE_EXCEEDED, "phase", "processing", "origin", "server").increment(3);
		List<Finding> both = Diagnosis.diagnose(List.of(sample(0, List.of()), sample(5, meters.timeouts())), SETTINGS,
				null);
		assertThat(find(both, "timeouts", "server-deadline").advice()).contains("fluxgate.server.request-timeout");
		assertThat(find(both, "timeouts", "server-deadline").evidence())
			.containsEntry("fluxgate.server.deadline.exceeded{origin=server}", 3L);
	}

	@Test
	void withoutTheOriginTagAnExpiryOnArrivalIsTheCallersAndTheRestTheServers() {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		registry.counter(MeterSignals.DEADLINE_EXCEEDED, "phase", "arrival").increment(4);
		registry.counter(MeterSignals.DEADLINE_EXCEEDED, "phase", "processing").increment(6);

		assertThat(new MeterSignals(registry).timeouts()).extracting(TimeoutSignal::source, TimeoutSignal::count)
			.containsExactly(org.assertj.core.groups.Tuple.tuple("server-deadline", 6L),
					org.assertj.core.groups.Tuple.tuple("caller-deadline", 4L));
	}

	@Test
	void unreachableDependenciesAreCriticalAndComeInPlaybookOrder() {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		registry.counter("fluxgate.server.dependency.failures", "reason", "db-unavailable").increment(12);
		registry.counter("fluxgate.server.dependency.failures", "reason", "redis-unavailable").increment(3);
		registry.counter("fluxgate.server.dependency.failures", "reason", "dependency-timeout").increment(2);
		// Registered up front by the handler: a reason at 0 is no signal.
		registry.counter("fluxgate.server.dependency.failures", "reason", "redis-timeout");
		List<TimeoutSignal> timeouts = new MeterSignals(registry).timeouts();
		GateSnapshot shedding = new GateSnapshot("server", "shedding", 10, 10, 0, 100, Map.of("shed", 5L));

		List<Finding> findings = Diagnosis.diagnose(List.of(new Signals(T0, 3.0, List.of(), List.of(shedding),
				List.of(), List.of(), timeouts, null)), SETTINGS, null);

		assertThat(findings).extracting(Finding::id, Finding::resource)
			.containsExactly(org.assertj.core.groups.Tuple.tuple("unreachable", "db-unavailable"),
					org.assertj.core.groups.Tuple.tuple("unreachable", "redis-unavailable"),
					org.assertj.core.groups.Tuple.tuple("timeouts", "dependency-timeout"),
					org.assertj.core.groups.Tuple.tuple("gate.rejecting", "shedding/server"));
		assertThat(findings.get(0).severity()).isEqualTo(Severity.CRITICAL);
		assertThat(findings.get(0).summary()).contains("database could not be reached");
		assertThat(findings.get(0).advice()).contains("spring.r2dbc.url", "max_connections");
		assertThat(findings.get(1).advice()).contains("Redis is up", "spring.data.redis.host");
		assertThat(findings.get(2).advice()).contains("spring.http.clients.read-timeout",
				"fluxgate.dependencies.<name>.timeout");
	}

	@Test
	void failuresOlderThanTheWindowAreNotReported() {
		TimeoutSignal old = new TimeoutSignal("unavailable", "db-unavailable",
				"fluxgate.server.dependency.failures{reason=db-unavailable}", 12, "spring.r2dbc.url");

		assertThat(Diagnosis.diagnose(List.of(sample(0, List.of(old)), sample(5, List.of(old))), SETTINGS, null))
			.isEmpty();
	}

	private static Finding find(List<Finding> findings, String id, String resource) {
		return findings.stream()
			.filter((finding) -> finding.id().equals(id) && finding.resource().equals(resource))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No " + id + " on " + resource + " in " + findings));
	}

	private static Signals sample(int second, List<TimeoutSignal> timeouts) {
		return new Signals(T0.plusSeconds(second), 1.0, List.of(), List.of(), List.of(), List.of(), timeouts, null);
	}

	private static List<Signals> history(int seconds, java.util.function.IntFunction<Signals> sampleAtSecond) {
		List<Signals> history = new ArrayList<>();
		for (int second = 0; second <= seconds; second++) {
			history.add(sampleAtSecond.apply(second));
		}
		return history;
	}

}

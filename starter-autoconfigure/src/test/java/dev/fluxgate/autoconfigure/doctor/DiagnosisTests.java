package dev.fluxgate.autoconfigure.doctor;

import dev.fluxgate.doctor.Category;
import dev.fluxgate.doctor.Finding;
import dev.fluxgate.doctor.Severity;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

import dev.fluxgate.gate.GateSnapshot;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DiagnosisTests {

	private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

	private static final DiagnosisSettings SETTINGS = new DiagnosisSettings(Duration.ofSeconds(10),
			Duration.ofMillis(200), 10);

	private static List<Signals> history(int seconds, IntFunction<Signals> sampleAtSecond) {
		List<Signals> history = new ArrayList<>();
		for (int second = 0; second <= seconds; second++) {
			history.add(sampleAtSecond.apply(second));
		}
		return history;
	}

	private static Signals sample(int second, Double inFlight, List<PoolSignal> pools, List<GateSnapshot> gates,
			List<EventLoopSignal> loops, List<BlockingSignal> blocking) {
		return new Signals(T0.plusSeconds(second), inFlight, pools, gates, loops, blocking, List.of(), null);
	}

	private static PoolSignal r2dbc(int acquired, int idle, int pending) {
		return new PoolSignal("r2dbc", "connectionFactory", 2, acquired, idle, pending, 100,
				"spring.r2dbc.pool.max-size");
	}

	@Test
	void briefExhaustionIsAWarningAndSustainedExhaustionIsCritical() {
		List<Signals> brief = history(10, (s) -> sample(s, 5.0, List.of(r2dbc(2, 0, (s >= 8) ? 3 : 0)), List.of(),
				List.of(), List.of()));
		List<Signals> sustained = history(12, (s) -> sample(s, 5.0, List.of(r2dbc(2, 0, 3)), List.of(), List.of(),
				List.of()));

		Finding warning = Diagnosis.diagnose(brief, SETTINGS, null).get(0);
		Finding critical = Diagnosis.diagnose(sustained, SETTINGS, null).get(0);

		assertThat(warning.id()).isEqualTo("pool.exhausted");
		assertThat(warning.severity()).isEqualTo(Severity.WARNING);
		assertThat(critical.severity()).isEqualTo(Severity.CRITICAL);
		assertThat(critical.advice()).contains("spring.r2dbc.pool.max-size");
		assertThat(critical.evidence()).containsEntry("r2dbc.pool.pending{name=connectionFactory}", 3);
		assertThat(Saturation.assess(sustained, SETTINGS).saturated()).isTrue();
		assertThat(Saturation.assess(brief, SETTINGS).saturated()).isFalse();
	}

	@Test
	void anIsolatedSampleBetweenTwoUsesDoesNotEndSustainedExhaustion() {
		// Every 4th sample catches a connection just returned: still exhausted for the whole window.
		List<Signals> flickering = history(12, (s) -> sample(s, 5.0,
				List.of((s % 4 == 1) ? r2dbc(1, 1, 0) : r2dbc(2, 0, 3)), List.of(), List.of(), List.of()));
		// Two samples in a row without waiters: the exhaustion ended and started again.
		List<Signals> recovered = history(12, (s) -> sample(s, 5.0,
				List.of((s == 6 || s == 7) ? r2dbc(1, 1, 0) : r2dbc(2, 0, 3)), List.of(), List.of(), List.of()));

		assertThat(Saturation.assess(flickering, SETTINGS).saturated()).isTrue();
		assertThat(Diagnosis.diagnose(flickering, SETTINGS, null).get(0).severity()).isEqualTo(Severity.CRITICAL);
		assertThat(Saturation.assess(recovered, SETTINGS).saturated()).isFalse();
		// Recovery is two samples without waiters at the newest end; one is not enough.
		List<Signals> lastSampleLucky = history(12, (s) -> sample(s, 5.0,
				List.of((s == 12) ? r2dbc(1, 1, 0) : r2dbc(2, 0, 3)), List.of(), List.of(), List.of()));
		List<Signals> ended = history(12, (s) -> sample(s, 5.0,
				List.of((s >= 11) ? r2dbc(1, 1, 0) : r2dbc(2, 0, 3)), List.of(), List.of(), List.of()));
		assertThat(Saturation.assess(lastSampleLucky, SETTINGS).saturated()).isTrue();
		// The finding follows the same run as readiness, so the two never disagree.
		assertThat(Diagnosis.diagnose(lastSampleLucky, SETTINGS, null)).extracting(Finding::id)
			.contains("pool.exhausted");
		assertThat(Diagnosis.diagnose(ended, SETTINGS, null)).extracting(Finding::id).doesNotContain("pool.exhausted");
		assertThat(Saturation.assess(ended, SETTINGS).saturated()).isFalse();
	}

	@Test
	void connectionsHeldWithNoRequestInFlightForTheWindowAreALeak() {
		List<Signals> leak = history(12, (s) -> sample(s, 0.0, List.of(r2dbc(2, 0, 0)), List.of(), List.of(),
				List.of()));
		List<Signals> busy = history(12, (s) -> sample(s, 2.0, List.of(r2dbc(2, 0, 0)), List.of(), List.of(),
				List.of()));

		assertThat(Diagnosis.diagnose(leak, SETTINGS, null)).extracting(Finding::id)
			.containsExactly("pool.leak-suspected");
		assertThat(Diagnosis.diagnose(busy, SETTINGS, null)).isEmpty();
	}

	@Test
	void findingsComeInTroubleshootingOrder() {
		EventLoopSignal lagging = new EventLoopSignal("reactor-http-nio-1", 900.0, 1200.0, 500.0, 0L);
		List<Signals> history = history(2, (s) -> sample(s, 5.0, List.of(r2dbc(2, 0, 4)),
				List.of(new GateSnapshot("server", "shedding", 10, 10, 0, 100, Map.of("full", 5L + s))),
				List.of(lagging),
						List.of(new BlockingSignal("java.lang.Thread.sleep", s))));

		List<Finding> findings = Diagnosis.diagnose(history, SETTINGS, null);

		assertThat(findings).extracting(Finding::category)
			.containsExactly(Category.BLOCKING, Category.POOL, Category.EVENT_LOOP, Category.GATES);
		assertThat(findings.get(0).resource()).isEqualTo("java.lang.Thread.sleep");
		assertThat(findings.get(0).severity()).isEqualTo(Severity.CRITICAL);
	}

	@Test
	void lagWithFewPendingTasksPointsAtBlocking() {
		EventLoopSignal blocked = new EventLoopSignal("reactor-http-nio-2", 800.0, 900.0, 1.0, null);
		List<Signals> history = history(1, (s) -> sample(s, 1.0, List.of(), List.of(), List.of(blocked), List.of()));

		assertThat(Diagnosis.diagnose(history, SETTINGS, null)).extracting(Finding::id)
			.containsExactly("eventloop.blocked-suspected");
	}

	@Test
	void gateRejectingInEveryIntervalForTheWindowIsSustainedSaturation() {
		List<Signals> rejecting = history(12, (s) -> sample(s, 1.0, List.of(),
				List.of(new GateSnapshot("server", "shedding", 10, 10, 0, 100, Map.of("full", (long) s))), List.of(),
				List.of()));
		List<Signals> paused = new ArrayList<>(rejecting);
		paused.add(sample(13, 1.0, List.of(),
				List.of(new GateSnapshot("server", "shedding", 10, 1, 0, 100, Map.of("full", 12L))), List.of(),
				List.of()));
		List<Signals> stopped = new ArrayList<>(paused);
		stopped.add(sample(14, 1.0, List.of(),
				List.of(new GateSnapshot("server", "shedding", 10, 1, 0, 100, Map.of("full", 12L))), List.of(),
				List.of()));

		assertThat(Saturation.assess(rejecting, SETTINGS).reasons()).singleElement()
			.asString()
			.contains("shedding gate 'server'");
		// One quiet interval is a lull between bursts; two in a row end the saturation.
		assertThat(Saturation.assess(paused, SETTINGS).saturated()).isTrue();
		assertThat(Saturation.assess(stopped, SETTINGS).saturated()).isFalse();
	}

	@Test
	void capacityPlanChecksPeakAgainstPoolAndReplicasAgainstDatabase() {
		CapacityPlan plan = CapacityPlanner.plan(new CapacityInputs(40, 3, null, 1.5, List.of(r2dbc(0, 2, 0)), 40,
				new DatabaseLimits("PostgreSQL 15", 100, 3, 0), null));

		assertThat(plan.peakConcurrency()).isEqualTo(40);
		assertThat(plan.pools()).singleElement().satisfies((check) -> {
			assertThat(check.required()).isEqualTo(60);
			assertThat(check.fits()).isFalse();
		});
		assertThat(plan.database().required()).isEqualTo(80);
		assertThat(plan.database().fits()).isTrue();
		assertThat(plan.findings()).extracting(Finding::id).containsExactly("capacity.pool-too-small");

		CapacityPlan oversubscribed = CapacityPlanner.plan(new CapacityInputs(null, 0, null, null,
				List.of(r2dbc(0, 2, 0)), 49, new DatabaseLimits("PostgreSQL 16", 100, 3, 2), null));
		assertThat(oversubscribed.peakConcurrency()).isNull();
		assertThat(oversubscribed.findings()).singleElement().satisfies((finding) -> {
			assertThat(finding.id()).isEqualTo("capacity.database-oversubscribed");
			assertThat(finding.advice()).contains("spring.r2dbc.pool.max-size to at most 1");
		});
	}

	@Test
	void anObservedPeakWithAnAssumedConnectionCountGivesNoVerdictOnThePool() {
		// 124 requests in flight, most of them never touching the database, and nothing known per request.
		CapacityPlan guess = CapacityPlanner.plan(new CapacityInputs(null, 124, null, null, List.of(r2dbc(0, 2, 0)),
				1, new DatabaseLimits("PostgreSQL 15", 100, 3, 0), null));
		assertThat(guess.pools()).singleElement().satisfies((check) -> assertThat(check.fits()).isNull());
		assertThat(guess.findings()).isEmpty();

		// The same observed peak with an estimate from leased connections is evidence: 124 x 0.5 = 62 > 2.
		CapacityPlan estimated = CapacityPlanner.plan(new CapacityInputs(null, 124, null, 0.5,
				List.of(r2dbc(0, 2, 0)), 1, new DatabaseLimits("PostgreSQL 15", 100, 3, 0), null));
		assertThat(estimated.findings()).extracting(Finding::id).containsExactly("capacity.pool-too-small");
	}

	@Test
	void historyKeepsOneBaselineOlderThanItsRetention() {
		SignalHistory history = new SignalHistory(Duration.ofSeconds(5));
		for (int s = 0; s <= 20; s++) {
			history.add(Signals.empty(T0.plusSeconds(s)));
		}
		List<Signals> samples = history.samples();
		assertThat(samples.get(0).at()).isEqualTo(T0.plusSeconds(15));
		assertThat(samples).hasSize(6);
	}

	@Test
	void connectionsPerRequestAreEstimatedAtThePeak() {
		SignalHistory history = new SignalHistory(Duration.ofSeconds(5));
		history.add(sample(0, 1.0, List.of(r2dbc(2, 0, 0)), List.of(), List.of(), List.of()));
		history.add(sample(1, 8.0, List.of(r2dbc(2, 0, 6)), List.of(), List.of(), List.of()));
		history.add(sample(2, 3.0, List.of(r2dbc(2, 0, 0)), List.of(), List.of(), List.of()));

		assertThat(history.peakInFlight()).isEqualTo(8);
		assertThat(history.estimatedConnectionsPerRequest()).isEqualTo(0.25);
	}

	@Test
	void onlyASustainedP99LagIsSaturationBecauseAMaxOutlivesItsSpike() {
		List<Signals> maxOnly = history(12, (s) -> sample(s, 1.0, List.of(), List.of(),
				List.of(new EventLoopSignal("loop-1", null, 900.0, 100.0, null)), List.of()));
		List<Signals> p99 = history(12, (s) -> sample(s, 1.0, List.of(), List.of(),
				List.of(new EventLoopSignal("loop-1", 800.0, 900.0, 100.0, null)), List.of()));

		assertThat(Saturation.assess(maxOnly, SETTINGS).saturated()).isFalse();
		assertThat(Diagnosis.diagnose(maxOnly, SETTINGS, null)).extracting(Finding::id)
			.containsExactly("eventloop.overloaded");
		assertThat(Saturation.assess(p99, SETTINGS).reasons()).singleElement().asString().contains("loop-1");
	}

}

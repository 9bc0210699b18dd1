package dev.fluxgate.bench.gatling;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.gatling.javaapi.core.OpenInjectionStep;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.regex;
import static io.gatling.javaapi.core.CoreDsl.responseTimeInMillis;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

/**
 * Open-loop load: requests arrive at a fixed rate whatever the answers, as real traffic does, in steps of the
 * service's capacity C (measured closed-loop before, passed as {@code bench.capacity}), then back to a light load to
 * see whether the service recovers. Each virtual user sends one request; connections are shared, so the arrival rate
 * and not a connection count decides the load.
 * <p>
 * Settings are system properties ({@link Settings}). Besides Gatling's own report, {@link Results} writes per-step
 * figures (goodput, admitted p50/p99, rejections by status and problem {@code reason}, their p99, no-answer count,
 * how late the generator sent), a per-second timeline and the recovery time into {@code bench.out}.
 */
public class OverloadSimulation extends Simulation {

	private final Settings settings = Settings.fromSystemProperties();

	private final Results results = new Results(this.settings);

	private final HttpProtocolBuilder protocol = http.baseUrl(this.settings.baseUrl())
		.shareConnections()
		.disableWarmUp()
		.disableCaching()
		.acceptHeader("*/*");

	private final ScenarioBuilder scenario = scenario("open loop " + this.settings.path())
		.exec((session) -> session.set("t0", this.results.now()))
		.exec(http((session) -> this.settings.stepName(this.results.user(session.userId()))).get(this.settings.path())
			.check(status().saveAs("status"),
					regex("\"reason\"\\s*:\\s*\"([^\"]+)\"").optional().saveAs("reason"),
					responseTimeInMillis().saveAs("rt"),
					// Last, so a rejection is still recorded above: only 200 counts as OK in Gatling's report.
					status().is(200)))
		.exec((session) -> {
			this.results.record(session.userId(), session.getLong("t0"), session.contains("rt") ? session.getInt("rt") : -1,
					session.contains("status") ? session.getInt("status") : 0,
					session.contains("reason") ? session.getString("reason") : "");
			return session;
		});

	{
		List<OpenInjectionStep> steps = new ArrayList<>();
		for (double factor : this.settings.factors()) {
			steps.add(constantUsersPerSec(factor * this.settings.capacity())
				.during(Duration.ofSeconds(this.settings.stepSeconds())));
		}
		steps.add(constantUsersPerSec(this.settings.recoveryFactor() * this.settings.capacity())
			.during(Duration.ofSeconds(this.settings.recoverySeconds())));
		setUp(this.scenario.injectOpen(steps)).protocols(this.protocol);
	}

	@Override
	public void after() {
		this.results.write();
	}

}

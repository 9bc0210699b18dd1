package dev.fluxgate.autoconfigure.doctor;

import dev.fluxgate.doctor.Category;
import dev.fluxgate.doctor.Finding;
import dev.fluxgate.doctor.Severity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.fluxgate.eventloop.EventLoopProbe;
import dev.fluxgate.gate.GateRegistry;
import dev.fluxgate.gate.GateSnapshot;
import dev.fluxgate.gate.GateStats;
import org.jspecify.annotations.Nullable;

/**
 * The diagnosis rules: pure functions from a history of {@link Signals} (oldest first) to {@link Finding}s in
 * troubleshooting order. A condition seen only in the newest sample is a {@link Severity#WARNING}; held for the whole
 * saturation window it is {@link Severity#CRITICAL}. Counters (blocking detections, timeouts, rejections) are
 * compared between the oldest and the newest sample, so findings describe the recent window, not all time.
 */
final class Diagnosis {

	private Diagnosis() {
	}

	/**
	 * Diagnose.
	 * @param history samples, oldest first; may be empty
	 * @param settings the thresholds
	 * @param plan the capacity plan, whose findings are merged in, if there is one
	 * @return the findings, ordered blocking, pools, event loops, timeouts, gates
	 */
	public static List<Finding> diagnose(List<Signals> history, DiagnosisSettings settings,
			@Nullable CapacityPlan plan) {
		List<Finding> findings = new ArrayList<>();
		if (!history.isEmpty()) {
			blocking(history, findings);
			eventLoops(history, settings, findings);
			pools(history, settings, findings);
			timeouts(history, findings);
			gates(history, settings, findings);
		}
		if (plan != null) {
			findings.addAll(plan.findings());
		}
		findings.sort(Finding.TROUBLESHOOTING_ORDER);
		return findings;
	}

	private static void blocking(List<Signals> history, List<Finding> findings) {
		Signals oldest = history.get(0);
		Signals newest = newest(history);
		for (BlockingSignal signal : newest.blocking()) {
			long recent = (history.size() > 1) ? signal.count() - oldest.blockingCount(signal.frame()) : 0;
			if (signal.count() <= 0) {
				continue;
			}
			Map<String, Object> evidence = new LinkedHashMap<>();
			evidence.put("fluxgate.blocking.calls{method=" + signal.frame() + "}", signal.count());
			if (history.size() > 1) {
				evidence.put("detections in the last " + seconds(history), recent);
			}
			findings.add(new Finding("blocking.detected", Category.BLOCKING,
					(recent > 0) ? Severity.CRITICAL : Severity.WARNING, signal.frame(),
					"A blocking call (%s) ran on a non-blocking thread %d time(s); while it runs, every connection on that event loop waits."
						.formatted(signal.frame(), signal.count()),
					evidence,
					"Move the call at %s off the event loop: wrap it in Mono.fromCallable(..).subscribeOn(a bounded offload scheduler), or use a non-blocking client. Run tests with BlockHound in strict mode to find such calls before production."
						.formatted(signal.frame())));
		}
		for (EventLoopSignal loop : newest.eventLoops()) {
			EventLoopSignal before = oldest.eventLoop(loop.name());
			if (loop.stalls() == null || loop.stalls() <= 0) {
				continue;
			}
			long recent = (history.size() > 1 && before != null && before.stalls() != null)
					? loop.stalls() - before.stalls() : loop.stalls();
			if (recent <= 0) {
				continue;
			}
			Map<String, Object> evidence = new LinkedHashMap<>();
			evidence.put(EventLoopProbe.STALLS_METER + "{loop=" + loop.name() + "}", loop.stalls());
			findings.add(new Finding("eventloop.stalled", Category.BLOCKING, Severity.CRITICAL, loop.name(),
					"Event loop %s stalled %d time(s) recently: a task held it far longer than any non-blocking task should."
						.formatted(loop.name(), recent),
					evidence,
					"Find the blocking call in the stall's logged stack trace and offload it (subscribeOn a bounded scheduler); enable BlockHound in tests."));
		}
	}

	private static void eventLoops(List<Signals> history, DiagnosisSettings settings, List<Finding> findings) {
		Signals newest = newest(history);
		Duration threshold = settings.eventLoopLagThreshold();
		for (EventLoopSignal loop : newest.eventLoops()) {
			if (!Saturation.lagging(loop, threshold)) {
				continue;
			}
			Duration held = Sustained.heldFor(history,
					(signals) -> Saturation.lagging(signals.eventLoop(loop.name()), threshold));
			Severity severity = Sustained.atLeast(held, settings.saturationWindow()) ? Severity.CRITICAL
					: Severity.WARNING;
			Map<String, Object> evidence = new LinkedHashMap<>();
			evidence.put(EventLoopProbe.LAG_METER + "{loop=" + loop.name() + "} p99 ms", loop.lagP99Millis());
			evidence.put(EventLoopProbe.LAG_METER + "{loop=" + loop.name() + "} max ms", loop.lagMaxMillis());
			evidence.put(EventLoopProbe.PENDING_TASKS_METER + "{loop=" + loop.name() + "}", loop.pendingTasks());
			evidence.put("threshold ms", threshold.toMillis());
			boolean fewPending = loop.pendingTasks() != null
					&& loop.pendingTasks() <= settings.blockedLoopPendingTasks();
			if (fewPending) {
				findings.add(new Finding("eventloop.blocked-suspected", Category.BLOCKING, severity, loop.name(),
						"Event loop %s lags %.0f ms with only %.0f tasks queued: one long task is holding it, most likely a blocking call."
							.formatted(loop.name(), Saturation.lagMillis(loop), loop.pendingTasks()),
						evidence,
						"Look for blocking calls (JDBC, Thread.sleep, synchronized I/O, block()) on request paths and offload them to a bounded scheduler; BlockHound in tests names the frame."));
			}
			else {
				findings.add(new Finding("eventloop.overloaded", Category.EVENT_LOOP, severity, loop.name(),
						"Event loop %s lags %.0f ms (threshold %d ms): it has more work than it can run."
							.formatted(loop.name(), Saturation.lagMillis(loop), threshold.toMillis()),
						evidence,
						"Move CPU-heavy work (large JSON, crypto, compression) to a bounded parallel scheduler with publishOn, admit fewer concurrent requests (lower the server's concurrency limit), or add CPU / replicas. Event loops are shared by the server and WebClient."));
			}
		}
	}

	private static void pools(List<Signals> history, DiagnosisSettings settings, List<Finding> findings) {
		Signals newest = newest(history);
		for (PoolSignal pool : newest.pools()) {
			// The same run readiness uses: an isolated sample between two uses does not end an exhaustion.
			Duration held = Sustained.heldFor(history, (signals) -> Saturation.exhausted(signals.pool(pool.key())));
			if (held != null) {
				Severity severity = Sustained.atLeast(held, settings.saturationWindow()) ? Severity.CRITICAL
						: Severity.WARNING;
				Map<String, Object> evidence = poolEvidence(pool);
				evidence.put("exhausted for", held.toMillis() + " ms");
				findings.add(new Finding("pool.exhausted", Category.POOL, severity, pool.key(),
						"Pool %s has been at its maximum of %d connections with acquisitions waiting for %d ms (now %d in use, %d waiting)."
							.formatted(pool.key(), pool.max(), held.toMillis(), pool.acquired(), pool.pending()),
						evidence, exhaustedAdvice(history, pool)));
			}
			if (pool.maxPending() != Integer.MAX_VALUE && pool.maxPending() > 0
					&& pool.pending() >= 0.8 * pool.maxPending()) {
				findings.add(new Finding("pool.pending-near-limit", Category.POOL, Severity.WARNING, pool.key(),
						"Pool %s has %d of at most %d acquisitions waiting; more are rejected at once with 503."
							.formatted(pool.key(), pool.pending(), pool.maxPending()),
						poolEvidence(pool), "Raise %s, or shed load earlier (fluxgate.server.concurrency.limit)."
							.formatted(pool.sizeProperty())));
			}
			if (pool.acquired() > 0 && pool.pending() == 0 && newest.inFlightRequests() != null
					&& newest.inFlightRequests() == 0) {
				Duration leaked = Sustained.heldFor(history, (signals) -> leakShape(signals, pool.key()));
				if (Sustained.atLeast(leaked, settings.saturationWindow())) {
					Map<String, Object> evidence = poolEvidence(pool);
					evidence.put("http.server.requests.active", 0);
					evidence.put("held with no request in flight for", leaked.toMillis() + " ms");
					findings.add(new Finding("pool.leak-suspected", Category.POOL,
							pool.atMax() ? Severity.CRITICAL : Severity.WARNING, pool.key(),
							"Pool %s has %d connection(s) leased for %ss while no request is in flight: they are probably never released."
								.formatted(pool.key(), pool.acquired(), leaked.toSeconds()),
							evidence, leakAdvice(pool)));
				}
			}
		}
	}

	private static String exhaustedAdvice(List<Signals> history, PoolSignal pool) {
		long statementTimeouts = "r2dbc".equals(pool.type()) ? recent(history, "db-statement-timeout") : 0;
		if (statementTimeouts > 0) {
			return "The connections are held by statements the database does not finish (%d statement timeout(s) recently, see the db-statement-timeout finding): the database is slow or locked. A bigger pool only queues more work on it; fix the database side first."
				.formatted(statementTimeouts);
		}
		return "Raise %s (now %d) if the database or host can take more connections (see capacity), or shorten how long each request holds a connection (no remote calls inside transactions, statement timeouts). Waiters fail after the acquire timeout rather than queueing forever."
			.formatted(pool.sizeProperty(), pool.max());
	}

	private static boolean leakShape(Signals signals, String key) {
		PoolSignal pool = signals.pool(key);
		return pool != null && pool.acquired() > 0 && pool.pending() == 0 && signals.inFlightRequests() != null
				&& signals.inFlightRequests() == 0;
	}

	private static String leakAdvice(PoolSignal pool) {
		if ("r2dbc".equals(pool.type())) {
			return "Release every connection you take: use DatabaseClient/R2dbcEntityTemplate or Mono.usingWhen(connectionFactory.create(), .., Connection::close) rather than create() without close(), and close on cancel and error too. Background work that holds connections on purpose should use its own pool. Set spring.r2dbc.pool.max-life-time and max-acquire-time so a leak cannot hang requests forever.";
		}
		return "Consume or release every response body: use retrieve() or exchangeToMono(..), never drop a ClientResponse without releaseBody(). Keep fluxgate.http-client.pool.pending-acquire-timeout finite so a leak fails fast.";
	}

	private static Map<String, Object> poolEvidence(PoolSignal pool) {
		Map<String, Object> evidence = new LinkedHashMap<>();
		if ("r2dbc".equals(pool.type())) {
			String tag = "{name=" + pool.name() + "}";
			evidence.put("r2dbc.pool.acquired" + tag, pool.acquired());
			evidence.put("r2dbc.pool.max.allocated" + tag, pool.max());
			evidence.put("r2dbc.pool.idle" + tag, pool.idle());
			evidence.put("r2dbc.pool.pending" + tag, pool.pending());
		}
		else {
			String tag = "{" + pool.name() + "}";
			evidence.put("reactor.netty.connection.provider.active.connections" + tag, pool.acquired());
			evidence.put("reactor.netty.connection.provider.max.connections" + tag, pool.max());
			evidence.put("reactor.netty.connection.provider.idle.connections" + tag, pool.idle());
			evidence.put("reactor.netty.connection.provider.pending.connections" + tag, pool.pending());
		}
		return evidence;
	}

	private static void timeouts(List<Signals> history, List<Finding> findings) {
		Signals newest = newest(history);
		for (TimeoutSignal signal : newest.timeouts()) {
			long recent = recent(history, signal);
			if (recent <= 0) {
				continue;
			}
			Map<String, Object> evidence = new LinkedHashMap<>();
			evidence.put(signal.meter(), signal.count());
			evidence.put("recent", recent);
			switch (signal.kind()) {
				case "retry" -> findings.add(new Finding("retries", Category.TIMEOUTS, Severity.WARNING,
						signal.source(), "%d call(s) to %s needed retries recently.".formatted(recent, signal.source()),
						evidence,
						"Retries multiply load on a struggling dependency: keep %s small with backoff and jitter, and only retry idempotent calls within the request deadline."
							.formatted(signal.property())));
				case "unavailable" -> findings.add(new Finding("unreachable", Category.TIMEOUTS, Severity.CRITICAL,
						signal.source(), unreachableSummary(signal, recent), evidence, unreachableAdvice(signal)));
				default -> findings.add(new Finding("timeouts", Category.TIMEOUTS,
						"caller-deadline".equals(signal.source()) ? Severity.INFO : Severity.WARNING, signal.source(),
						timeoutSummary(signal, recent), evidence, timeoutAdvice(signal, history)));
			}
		}
	}

	private static long recent(List<Signals> history, TimeoutSignal signal) {
		return (history.size() > 1) ? signal.count() - history.get(0).timeoutCount(signal.meter()) : signal.count();
	}

	/** Recent count of a source across the window, 0 when it has none. */
	private static long recent(List<Signals> history, String source) {
		return newest(history).timeouts()
			.stream()
			.filter((signal) -> signal.source().equals(source))
			.mapToLong((signal) -> recent(history, signal))
			.sum();
	}

	private static String timeoutSummary(TimeoutSignal signal, long recent) {
		return switch (signal.source()) {
			case "db-statement-timeout" -> "%d request(s) failed with 504 recently because a database statement ran into the statement timeout."
				.formatted(recent);
			case "dependency-timeout" -> "%d request(s) failed with 504 recently because an HTTP dependency did not answer within its response timeout."
				.formatted(recent);
			case "redis-timeout" -> "%d request(s) failed with 504 recently because a Redis command timed out."
				.formatted(recent);
			case "caller-deadline" -> "%d request(s) ran out of the time budget their caller sent (deadline header) recently."
				.formatted(recent);
			default -> "%d %s timeout(s) recently.".formatted(recent, signal.source());
		};
	}

	private static String timeoutAdvice(TimeoutSignal signal, List<Signals> history) {
		return switch (signal.source()) {
			case "db-statement-timeout" -> "The database is slow or blocked by locks; more connections or a longer acquire time will not help. Look in PostgreSQL: pg_stat_activity for long-running statements and sessions 'idle in transaction' (wait_event_type = 'Lock' marks waiters), and pg_locks with pg_blocking_pids(pid) for who holds the lock. Fix the slow query (EXPLAIN ANALYZE, an index) or the lock holder; raise %s only if the statements are legitimately that slow, and only as far as the request deadline allows."
				.formatted(signal.property());
			case "dependency-timeout" -> "Find the slow dependency in http.client.requests (client.name, uri, outcome) and fix it or answer with a fallback. Raise %s (or a Fluxgate dependency's fluxgate.dependencies.<name>.timeout) only if the dependency is legitimately that slow, and only as far as the request deadline allows."
				.formatted(signal.property());
			case "redis-timeout" -> "Redis is slow or overloaded: check SLOWLOG GET, LATENCY DOCTOR and its CPU (one slow command delays every other), and avoid O(N) commands on big keys. Raise %s only if the commands are legitimately that slow."
				.formatted(signal.property());
			case "caller-deadline" -> "The caller's own deadline (the header named by %s) ended these requests, not this service's request timeout, so changing that timeout changes nothing. Look at the caller: its timeout and where its time went before the call. If this service is too slow for the budget it gets, the findings above say why."
				.formatted(signal.property());
			case "r2dbc-acquire" -> (recent(history, "db-statement-timeout") > 0)
					? "Connections are held by statements the database does not finish in time (see the db-statement-timeout finding): fix the database side first. A longer %s only makes requests wait longer for connections that are stuck."
						.formatted(signal.property())
					: genericTimeoutAdvice(signal);
			default -> genericTimeoutAdvice(signal);
		};
	}

	private static String genericTimeoutAdvice(TimeoutSignal signal) {
		return "Timeouts are a symptom: check the findings above first. If the dependency is just slow, raise %s only as far as the request deadline allows; otherwise fix the cause (exhausted pool, blocked loop)."
			.formatted(signal.property());
	}

	private static String unreachableSummary(TimeoutSignal signal, long recent) {
		String what = switch (signal.source()) {
			case "db-unavailable" -> "the database could not be reached or refused connections";
			case "redis-unavailable" -> "Redis could not be reached";
			default -> "an HTTP dependency could not be reached";
		};
		return "%d request(s) got 503 %s recently: %s.".formatted(recent, signal.source(), what);
	}

	private static String unreachableAdvice(TimeoutSignal signal) {
		return switch (signal.source()) {
			case "db-unavailable" -> "Check that the database is up and reachable from this instance (%s, DNS, network, credentials) and that it accepts more connections (max_connections: 'too many clients'). Callers are told to come back with Retry-After; the r2dbc health component shows the same outage."
				.formatted(signal.property());
			case "redis-unavailable" -> "Check that Redis is up and reachable from this instance (%s / port / url). While the connection is down, commands are refused at once (fluxgate.redis.disconnected-behavior=reject-commands) and Lettuce reconnects in the background; callers are told to come back with Retry-After."
				.formatted(signal.property());
			default -> "An HTTP dependency refused connections, could not be resolved or did not accept a connection within %s. Find it in http.client.requests (client.name, outcome) and check that it is up; a Fluxgate dependency (fluxgate.dependencies.<name>) opens its circuit after repeated failures and then answers 503 circuit-open at once."
				.formatted(signal.property());
		};
	}

	private static void gates(List<Signals> history, DiagnosisSettings settings, List<Finding> findings) {
		Signals oldest = history.get(0);
		Signals newest = newest(history);
		for (GateSnapshot gate : newest.gates()) {
			GateSnapshot before = oldest.gate(gate.kind(), gate.name());
			long recent = (history.size() > 1 && before != null) ? gate.rejectedTotal() - before.rejectedTotal()
					: gate.rejectedTotal();
			if (recent <= 0) {
				continue;
			}
			Duration held = Sustained.heldFor(history,
					(previous, current) -> Saturation.rejectedSince(previous, current, gate));
			Severity severity = Sustained.atLeast(held, settings.saturationWindow()) ? Severity.CRITICAL
					: Severity.WARNING;
			Map<String, Object> evidence = new LinkedHashMap<>();
			String tags = "{gate=" + gate.name() + ",kind=" + gate.kind() + "}";
			gate.rejected().forEach((reason, count) -> evidence.put(
					GateStats.REJECTED_METER + tags.replace("}", ",reason=" + reason + "}"), count));
			evidence.put(GateRegistry.IN_FLIGHT_METER + tags, gate.inFlight());
			evidence.put(GateRegistry.LIMIT_METER + tags, gate.limit());
			evidence.put(GateRegistry.QUEUED_METER + tags, gate.queued());
			evidence.put("rejected recently", recent);
			findings.add(new Finding("gate.rejecting", Category.GATES, severity, gate.kind() + "/" + gate.name(),
					"%s gate '%s' rejected %d request(s) recently (%s).".formatted(gate.kind(), gate.name(), recent,
							gate.rejected()),
					evidence, gateAdvice(gate)));
		}
	}

	private static String gateAdvice(GateSnapshot gate) {
		if (gate.rejected().containsKey("circuit-open")) {
			return "The circuit is open because calls to '%s' keep failing: fix or wait for the dependency; look at the timeout and pool findings above for the cause."
				.formatted(gate.name());
		}
		return switch (gate.kind()) {
			case "rate-limit" -> "Clients exceed the rate limit of policy '%s': raise fluxgate.rate-limit.policies.%s.per-second or per-minute only if the protected resource can take it; otherwise this is the limit working."
				.formatted(gate.name(), gate.name());
			case "offload" -> "The offload executor '%s' is full: raise fluxgate.offload.%s.threads or queue-capacity only if the work is legitimate; better, make that work non-blocking or offload less of it."
				.formatted(gate.name(), gate.name());
			case "shedding" -> "The server sheds load at its limit of %d requests in flight: fix the findings above first (a slow resource keeps requests in flight); raise fluxgate.server.concurrency.limit only when pools and CPU have headroom, or add replicas."
				.formatted(gate.limit());
			case "bulkhead" -> "The bulkhead of dependency '%s' is full at %d calls: the dependency is slower than planned. Raise fluxgate.dependencies.%s.bulkhead.max-concurrent-calls only if the dependency and fluxgate.http-client.pool.max-connections have headroom; otherwise lower the dependency's timeout or add a fallback."
				.formatted(gate.name(), gate.limit(), gate.name());
			case "background" -> "Background tasks are refused: raise fluxgate.background.concurrency or queue-capacity only if the tasks are short; long or durable work belongs in a real queue.";
			default -> "Gate '%s' (%s) is at its limit of %d: the protected resource is the bottleneck. Fix earlier findings first; raise the gate's limit only when its resource has headroom, or add replicas."
				.formatted(gate.name(), gate.kind(), gate.limit());
		};
	}

	private static Signals newest(List<Signals> history) {
		return history.get(history.size() - 1);
	}

	private static String seconds(List<Signals> history) {
		return Duration.between(history.get(0).at(), newest(history).at()).toSeconds() + "s";
	}

}

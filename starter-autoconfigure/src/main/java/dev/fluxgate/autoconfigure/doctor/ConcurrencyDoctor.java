package dev.fluxgate.autoconfigure.doctor;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.fluxgate.autoconfigure.defaults.ConcurrencySettingsCollector;
import dev.fluxgate.doctor.Finding;
import dev.fluxgate.doctor.FindingSource;
import dev.fluxgate.gate.GateRegistry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.LivenessState;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;

/**
 * Samples the application's concurrency signals on a timer of its own (never an event loop), keeps the recent
 * history, and answers from it: the saturation verdict for the {@code concurrency} health component, the findings
 * and capacity plan for {@code /actuator/concurrency}. Breaks liveness only on a total event-loop stall longer than
 * the stall threshold, and restores it when the loops run again. Sampling reads in-memory state only.
 */
public class ConcurrencyDoctor implements SmartLifecycle {

	private static final Logger logger = LoggerFactory.getLogger(ConcurrencyDoctor.class);

	private final Sources sources;

	private final Settings settings;

	private final ApplicationEventPublisher events;

	private final Clock clock = Clock.systemUTC();

	private final SignalHistory history;

	private volatile SaturationVerdict verdict = new SaturationVerdict(false, List.of());

	private volatile ScheduledExecutorService executor;

	private volatile boolean livenessBrokenByStall;

	ConcurrencyDoctor(Sources sources, Settings settings, ApplicationEventPublisher events) {
		this.sources = sources;
		this.settings = settings;
		this.events = events;
		this.history = new SignalHistory(settings.diagnosis().saturationWindow().plus(settings.sampleInterval()));
	}

	/**
	 * Where signals come from.
	 *
	 * @param gates the gate registry, if there is one
	 * @param pools pool sources
	 * @param meters meter-based signals (timeouts, in-flight requests)
	 * @param eventLoops event-loop source
	 * @param blocking blocking-detection source
	 * @param database the database's limits, if known
	 * @param findings findings of features the built-in rules do not know (job queues)
	 */
	record Sources(@Nullable GateRegistry gates, List<PoolSignalSource> pools, MeterSignals meters,
			EventLoopSignalSource eventLoops, BlockingSignalSource blocking, @Nullable DatabaseLimitsSource database,
			List<FindingSource> findings) {

		Sources(@Nullable GateRegistry gates, List<PoolSignalSource> pools, MeterSignals meters,
				EventLoopSignalSource eventLoops, BlockingSignalSource blocking,
				@Nullable DatabaseLimitsSource database) {
			this(gates, pools, meters, eventLoops, blocking, database, List.of());
		}

	}

	/**
	 * Thresholds.
	 *
	 * @param sampleInterval how often to sample
	 * @param diagnosis the diagnosis thresholds
	 * @param stallThreshold total stall that breaks liveness
	 * @param capacity the declared capacity plan
	 */
	record Settings(Duration sampleInterval, DiagnosisSettings diagnosis, Duration stallThreshold,
			FluxgateCapacityProperties capacity) {

	}

	/**
	 * Take a sample now, without recording it.
	 * @return the signals
	 */
	public Signals sample() {
		List<PoolSignal> pools = new ArrayList<>();
		this.sources.pools().forEach((source) -> pools.addAll(source.pools()));
		return new Signals(this.clock.instant(), this.sources.meters().inFlightRequests(), pools,
				(this.sources.gates() != null) ? this.sources.gates().snapshots() : List.of(),
				this.sources.eventLoops().eventLoops(), this.sources.blocking().detections(),
				this.sources.meters().timeouts(), this.sources.eventLoops().totalStall().orElse(null));
	}

	void sampleAndAssess() {
		try {
			Signals signals = sample();
			this.history.add(signals);
			this.verdict = Saturation.assess(this.history.samples(), this.settings.diagnosis());
			checkStall(signals.totalStall());
		}
		catch (RuntimeException ex) {
			logger.debug("Fluxgate doctor could not sample signals", ex);
		}
	}

	private void checkStall(Duration totalStall) {
		boolean stalled = totalStall != null && totalStall.compareTo(this.settings.stallThreshold()) >= 0;
		if (stalled && !this.livenessBrokenByStall) {
			this.livenessBrokenByStall = true;
			logger.error("Every HTTP event loop has been unresponsive for {}: liveness is now BROKEN",
					ConcurrencySettingsCollector.format(totalStall));
			AvailabilityChangeEvent.publish(this.events, this, LivenessState.BROKEN);
		}
		else if (!stalled && this.livenessBrokenByStall) {
			this.livenessBrokenByStall = false;
			logger.warn("Event loops run again: liveness is CORRECT");
			AvailabilityChangeEvent.publish(this.events, this, LivenessState.CORRECT);
		}
	}

	/**
	 * Whether the application has been saturated for the whole window.
	 * @return the verdict as of the last sample
	 */
	public SaturationVerdict saturation() {
		return this.verdict;
	}

	/**
	 * The recorded history, at most one sample interval old. Not a fresh sample: taken during a request to the
	 * endpoint, it would always count that request as in flight.
	 * @return samples, oldest first; a fresh one when nothing is recorded yet
	 */
	List<Signals> recentHistory() {
		List<Signals> samples = this.history.samples();
		return samples.isEmpty() ? List.of(sample()) : samples;
	}

	/**
	 * The capacity plan, reading the database's limits (bounded in time).
	 * @param pools the pools to plan for
	 * @return the plan
	 */
	public Mono<CapacityPlan> capacityPlan(List<PoolSignal> pools) {
		DatabaseLimitsSource database = this.sources.database();
		Mono<DatabaseLimits> limits = (database != null) ? database.limits() : Mono.empty();
		return limits.map((value) -> plan(pools, value, null))
			.switchIfEmpty(Mono.fromSupplier(() -> plan(pools, null,
					(database != null) ? "database limits are read from PostgreSQL only" : "no R2DBC database")))
			.onErrorResume((ex) -> Mono.just(plan(pools, null, "could not read the database's limits: " + ex)));
	}

	private CapacityPlan plan(List<PoolSignal> pools, DatabaseLimits limits, String problem) {
		FluxgateCapacityProperties capacity = this.settings.capacity();
		return CapacityPlanner.plan(new CapacityInputs(capacity.getPeakConcurrency(), this.history.peakInFlight(),
				capacity.getConnectionsPerRequest(), this.history.estimatedConnectionsPerRequest(), pools,
				capacity.getReplicas(), limits, problem));
	}

	/**
	 * Diagnose now.
	 * @return the samples used, the capacity plan and the findings in troubleshooting order
	 */
	public Mono<Diagnosed> diagnose() {
		List<Signals> samples = recentHistory();
		Signals newest = samples.get(samples.size() - 1);
		return capacityPlan(newest.pools()).map((plan) -> new Diagnosed(newest,
				withSourceFindings(Diagnosis.diagnose(samples, this.settings.diagnosis(), plan)), plan,
				Saturation.assess(samples, this.settings.diagnosis())));
	}

	private List<Finding> withSourceFindings(List<Finding> findings) {
		if (this.sources.findings().isEmpty()) {
			return findings;
		}
		List<Finding> all = new ArrayList<>(findings);
		this.sources.findings().forEach((source) -> all.addAll(source.findings()));
		all.sort(Finding.TROUBLESHOOTING_ORDER);
		return all;
	}

	/**
	 * A diagnosis.
	 *
	 * @param signals the newest sample
	 * @param findings the findings, in troubleshooting order
	 * @param capacity the capacity plan
	 * @param saturation the saturation verdict
	 */
	public record Diagnosed(Signals signals, List<Finding> findings, CapacityPlan capacity,
			SaturationVerdict saturation) {

	}

	@Override
	public void start() {
		ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor((runnable) -> {
			Thread thread = new Thread(runnable, "fluxgate-doctor");
			thread.setDaemon(true);
			return thread;
		});
		long interval = this.settings.sampleInterval().toMillis();
		executor.scheduleWithFixedDelay(this::sampleAndAssess, 0, interval, TimeUnit.MILLISECONDS);
		this.executor = executor;
	}

	@Override
	public void stop() {
		ScheduledExecutorService executor = this.executor;
		this.executor = null;
		if (executor != null) {
			executor.shutdownNow();
		}
	}

	@Override
	public boolean isRunning() {
		return this.executor != null;
	}

}

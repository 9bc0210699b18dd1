package dev.fluxgate.autoconfigure.doctor;

import dev.fluxgate.doctor.Finding;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The capacity plan: peak in-flight requests times connections each holds, against each pool; and every replica's
 * pool together against the database's connection limit.
 *
 * @param peakConcurrency the peak in-flight requests planned for, unless neither declared nor seen
 * @param peakSource {@code declared (fluxgate.capacity.peak-concurrency)}, {@code observed} or {@code unknown}
 * @param connectionsPerRequest connections a request holds at once
 * @param connectionsPerRequestSource {@code declared (...)}, {@code estimated} or {@code assumed}
 * @param pools one check per pool
 * @param database the database check, when there is an R2DBC pool
 * @param findings what does not fit
 */
public record CapacityPlan(@Nullable Integer peakConcurrency, String peakSource, double connectionsPerRequest,
		String connectionsPerRequestSource, List<PoolCheck> pools, @Nullable DatabaseCheck database, List<Finding> findings) {

	public CapacityPlan {
		pools = List.copyOf(pools);
		findings = List.copyOf(findings);
	}

	/**
	 * Whether every check passed (checks that could not run do not count as failures).
	 * @return whether the plan fits
	 */
	public boolean fits() {
		return this.findings.isEmpty();
	}

	/**
	 * Peak times connections per request against one pool.
	 *
	 * @param pool the pool's key
	 * @param size the pool's maximum
	 * @param required connections needed at peak, when the peak is known
	 * @param fits whether it fits, when it could be checked
	 */
	public record PoolCheck(String pool, int size, @Nullable Integer required, @Nullable Boolean fits) {

	}

	/**
	 * Replicas times the pool's maximum against the database.
	 *
	 * @param replicas instances sharing the database
	 * @param poolMaxSize each instance's pool maximum
	 * @param required replicas times pool maximum
	 * @param limits what the database allows, when read
	 * @param fits whether it fits, when it could be checked
	 * @param problem why it could not be checked, when it could not
	 */
	public record DatabaseCheck(int replicas, int poolMaxSize, int required, @Nullable DatabaseLimits limits,
			@Nullable Boolean fits, @Nullable String problem) {

	}

}

package dev.fluxgate.autoconfigure.doctor;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * What the capacity plan is computed from.
 *
 * @param declaredPeakConcurrency the peak in-flight requests an operator declared, if declared
 * @param observedPeakConcurrency the highest in-flight requests seen since start (0 when none seen)
 * @param declaredConnectionsPerRequest connections a request holds at once, if declared
 * @param estimatedConnectionsPerRequest the same, estimated from acquired connections per in-flight request, when
 * there was traffic to estimate from
 * @param pools the connection pools
 * @param replicas how many instances of the application share the database
 * @param database the database's connection limits, when known
 * @param databaseProblem why the limits are not known, when they are not
 */
record CapacityInputs(@Nullable Integer declaredPeakConcurrency, int observedPeakConcurrency,
		@Nullable Double declaredConnectionsPerRequest, @Nullable Double estimatedConnectionsPerRequest,
		List<PoolSignal> pools, int replicas, @Nullable DatabaseLimits database, @Nullable String databaseProblem) {

	public CapacityInputs {
		pools = List.copyOf(pools);
	}

}

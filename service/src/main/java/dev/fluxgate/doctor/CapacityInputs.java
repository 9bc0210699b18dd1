package dev.fluxgate.doctor;

import java.util.List;

/**
 * What the capacity plan is computed from.
 *
 * @param declaredPeakConcurrency the peak in-flight requests an operator declared, or {@code null}
 * @param observedPeakConcurrency the highest in-flight requests seen since start (0 when none seen)
 * @param declaredConnectionsPerRequest connections a request holds at once, declared, or {@code null}
 * @param estimatedConnectionsPerRequest the same, estimated from acquired connections per in-flight request, or
 * {@code null} when there was no traffic to estimate from
 * @param pools the connection pools
 * @param replicas how many instances of the application share the database
 * @param database the database's connection limits, or {@code null} when not known
 * @param databaseProblem why the limits are not known, or {@code null}
 */
public record CapacityInputs(Integer declaredPeakConcurrency, int observedPeakConcurrency,
		Double declaredConnectionsPerRequest, Double estimatedConnectionsPerRequest, List<PoolSignal> pools,
		int replicas, DatabaseLimits database, String databaseProblem) {

	public CapacityInputs {
		pools = List.copyOf(pools);
	}

}

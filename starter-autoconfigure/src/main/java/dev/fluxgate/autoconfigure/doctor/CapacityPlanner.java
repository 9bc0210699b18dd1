package dev.fluxgate.autoconfigure.doctor;

import dev.fluxgate.doctor.Category;
import dev.fluxgate.doctor.Finding;
import dev.fluxgate.doctor.Severity;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Computes the {@link CapacityPlan}: a pure function of its inputs.
 */
final class CapacityPlanner {

	static final String PEAK_PROPERTY = "fluxgate.capacity.peak-concurrency";

	static final String PER_REQUEST_PROPERTY = "fluxgate.capacity.connections-per-request";

	static final String REPLICAS_PROPERTY = "fluxgate.capacity.replicas";

	private CapacityPlanner() {
	}

	/**
	 * Plan.
	 * @param inputs what to plan from
	 * @return the plan, with a finding per check that fails
	 */
	public static CapacityPlan plan(CapacityInputs inputs) {
		Integer peak;
		String peakSource;
		if (inputs.declaredPeakConcurrency() != null) {
			peak = inputs.declaredPeakConcurrency();
			peakSource = "declared (" + PEAK_PROPERTY + ")";
		}
		else if (inputs.observedPeakConcurrency() > 0) {
			peak = inputs.observedPeakConcurrency();
			peakSource = "observed";
		}
		else {
			peak = null;
			peakSource = "unknown: declare " + PEAK_PROPERTY;
		}
		double perRequest;
		String perRequestSource;
		if (inputs.declaredConnectionsPerRequest() != null) {
			perRequest = inputs.declaredConnectionsPerRequest();
			perRequestSource = "declared (" + PER_REQUEST_PROPERTY + ")";
		}
		else if (inputs.estimatedConnectionsPerRequest() != null) {
			perRequest = inputs.estimatedConnectionsPerRequest();
			perRequestSource = "estimated (peak acquired connections per in-flight request)";
		}
		else {
			perRequest = 1.0;
			perRequestSource = "assumed: declare " + PER_REQUEST_PROPERTY;
		}
		List<CapacityPlan.PoolCheck> checks = new ArrayList<>();
		List<Finding> findings = new ArrayList<>();
		CapacityPlan.DatabaseCheck database = null;
		for (PoolSignal pool : inputs.pools()) {
			if (!"r2dbc".equals(pool.type())) {
				continue;
			}
			// An observed peak counts every request in flight, including those that never touch the database; with
			// connections per request merely assumed, the product says nothing about this pool: no verdict then.
			boolean evidence = inputs.declaredPeakConcurrency() != null
					|| inputs.declaredConnectionsPerRequest() != null
					|| inputs.estimatedConnectionsPerRequest() != null;
			Integer required = (peak != null && evidence) ? (int) Math.ceil(peak * perRequest) : null;
			Boolean fits = (required != null) ? required <= pool.max() : null;
			checks.add(new CapacityPlan.PoolCheck(pool.key(), pool.max(), required, fits));
			if (Boolean.FALSE.equals(fits)) {
				findings.add(poolTooSmall(pool, peak, peakSource, perRequest, perRequestSource, required));
			}
			if (database == null) {
				database = databaseCheck(inputs, pool);
				if (Boolean.FALSE.equals(database.fits())) {
					findings.add(databaseOversubscribed(pool, database));
				}
			}
		}
		return new CapacityPlan(peak, peakSource, perRequest, perRequestSource, checks, database, findings);
	}

	private static CapacityPlan.DatabaseCheck databaseCheck(CapacityInputs inputs, PoolSignal pool) {
		int required = inputs.replicas() * pool.max();
		DatabaseLimits limits = inputs.database();
		Boolean fits = (limits != null) ? required <= limits.available() : null;
		return new CapacityPlan.DatabaseCheck(inputs.replicas(), pool.max(), required, limits, fits,
				inputs.databaseProblem());
	}

	private static Finding poolTooSmall(PoolSignal pool, int peak, String peakSource, double perRequest,
			String perRequestSource, int required) {
		Map<String, Object> evidence = new LinkedHashMap<>();
		evidence.put("peakConcurrency [" + peakSource + "]", peak);
		evidence.put("connectionsPerRequest [" + perRequestSource + "]", perRequest);
		evidence.put("r2dbc.pool.max.allocated{name=" + pool.name() + "}", pool.max());
		return new Finding("capacity.pool-too-small", Category.POOL, Severity.WARNING, pool.key(),
				"At peak, %d requests x %s connections need %d connections but the pool holds %d.".formatted(peak,
						perRequest, required, pool.max()),
				evidence,
				"Raise %s to at least %d (within the database limit, see capacity.database), or admit fewer concurrent requests (lower the server's concurrency limit) or hold fewer connections per request."
					.formatted(pool.sizeProperty(), required));
	}

	private static Finding databaseOversubscribed(PoolSignal pool, CapacityPlan.DatabaseCheck check) {
		DatabaseLimits limits = check.limits();
		Map<String, Object> evidence = new LinkedHashMap<>();
		evidence.put(REPLICAS_PROPERTY, check.replicas());
		evidence.put("r2dbc.pool.max.allocated{name=" + pool.name() + "}", pool.max());
		evidence.put("max_connections", limits.maxConnections());
		evidence.put("superuser_reserved_connections", limits.superuserReserved());
		evidence.put("reserved_connections", limits.reserved());
		int perReplica = Math.max(0, limits.available() / Math.max(1, check.replicas()));
		return new Finding("capacity.database-oversubscribed", Category.POOL, Severity.WARNING, pool.key(),
				"%d replicas x %d pooled connections = %d, but %s accepts only %d (max_connections %d - reserved %d)."
					.formatted(check.replicas(), pool.max(), check.required(), limits.product(), limits.available(),
							limits.maxConnections(), limits.superuserReserved() + limits.reserved()),
				evidence,
				"Lower %s to at most %d per replica, or raise max_connections on the database (or put a connection pooler such as PgBouncer in front of it); keep %s equal to the real replica count."
					.formatted(pool.sizeProperty(), perReplica, REPLICAS_PROPERTY));
	}

}

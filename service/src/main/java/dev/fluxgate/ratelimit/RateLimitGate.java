package dev.fluxgate.ratelimit;

import dev.fluxgate.gate.Gate;
import dev.fluxgate.gate.GateSnapshot;
import dev.fluxgate.gate.GateStats;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The {@link Gate} view of one rate-limit policy: requests admitted and rejected (reasons {@code rate-limited},
 * {@code rate-limit-unavailable}); its limit is the smallest window's quota.
 */
public final class RateLimitGate implements Gate {

	/** The gate kind. */
	public static final String KIND = "rate-limit";

	private final RateLimitPolicy policy;

	private final GateStats stats;

	private final int limit;

	public RateLimitGate(RateLimitPolicy policy, MeterRegistry meterRegistry) {
		this.policy = policy;
		this.stats = new GateStats(policy.name(), KIND, meterRegistry);
		this.limit = (int) Math.min(Integer.MAX_VALUE,
				policy.windows().stream().mapToLong(RateLimitWindow::limit).min().orElse(-1));
	}

	public RateLimitPolicy policy() {
		return this.policy;
	}

	GateStats stats() {
		return this.stats;
	}

	@Override
	public String name() {
		return this.policy.name();
	}

	@Override
	public String kind() {
		return KIND;
	}

	@Override
	public GateSnapshot snapshot() {
		return new GateSnapshot(this.policy.name(), KIND, this.limit, 0, 0, this.stats.admittedCount(),
				this.stats.rejectedCounts());
	}

}

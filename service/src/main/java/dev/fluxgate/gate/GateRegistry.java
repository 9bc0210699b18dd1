package dev.fluxgate.gate;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import org.jspecify.annotations.Nullable;

/**
 * Every {@link Gate} in the application, so meters and diagnosis can list them. Registering a gate publishes its
 * gauges: {@code fluxgate.gate.limit}, {@code fluxgate.gate.in.flight} and {@code fluxgate.gate.queued} (tags
 * {@code gate}, {@code kind}).
 */
public final class GateRegistry {

	/** Gauge of a gate's current capacity (tags {@code gate}, {@code kind}). */
	public static final String LIMIT_METER = "fluxgate.gate.limit";

	/** Gauge of a gate's work in flight (tags {@code gate}, {@code kind}). */
	public static final String IN_FLIGHT_METER = "fluxgate.gate.in.flight";

	/** Gauge of a gate's queued work (tags {@code gate}, {@code kind}). */
	public static final String QUEUED_METER = "fluxgate.gate.queued";


	private final Map<String, Gate> gates = new ConcurrentHashMap<>();

	private final @Nullable MeterRegistry meterRegistry;

	/**
	 * A registry.
	 * @param meterRegistry where to publish gauges, if anywhere
	 */
	public GateRegistry(@Nullable MeterRegistry meterRegistry) {
		this.meterRegistry = meterRegistry;
	}

	/**
	 * Add a gate; a gate with the same kind and name replaces the earlier one.
	 * @param gate the gate
	 * @param <G> its type
	 * @return the gate
	 */
	public <G extends Gate> G register(G gate) {
		this.gates.put(gate.kind() + "/" + gate.name(), gate);
		if (this.meterRegistry != null) {
			Tags tags = Tags.of("gate", gate.name(), "kind", gate.kind());
			Gauge.builder(LIMIT_METER, gate, (g) -> g.snapshot().limit()).tags(tags)
				.description("Current capacity of a Fluxgate gate").register(this.meterRegistry);
			Gauge.builder(IN_FLIGHT_METER, gate, (g) -> g.snapshot().inFlight()).tags(tags)
				.description("Work admitted by a Fluxgate gate and not yet finished").register(this.meterRegistry);
			Gauge.builder(QUEUED_METER, gate, (g) -> g.snapshot().queued()).tags(tags)
				.description("Work waiting for admission by a Fluxgate gate").register(this.meterRegistry);
		}
		return gate;
	}

	/**
	 * The registered gates.
	 * @return a copy, in no particular order
	 */
	public Collection<Gate> gates() {
		return List.copyOf(this.gates.values());
	}

	/**
	 * A snapshot of every gate.
	 * @return the snapshots
	 */
	public List<GateSnapshot> snapshots() {
		return this.gates.values().stream().map(Gate::snapshot).toList();
	}

}

package dev.fluxgate.autoconfigure.doctor;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import dev.fluxgate.gate.GateSnapshot;
import org.jspecify.annotations.Nullable;

/**
 * Everything the diagnosis looks at, sampled at one instant. Plain data: the rules in {@link Diagnosis},
 * {@link Saturation} and {@link CapacityPlanner} are pure functions of a history of these.
 *
 * @param at when the sample was taken
 * @param inFlightRequests server requests in flight, when measured
 * @param pools every connection pool
 * @param gates every gate in the {@link dev.fluxgate.gate.GateRegistry}
 * @param eventLoops every event loop that a source measures
 * @param blocking blocking calls detected so far, by frame
 * @param timeouts timeout and retry counts so far, by source
 * @param totalStall how long every event loop has been unresponsive now, when a source measures it
 */
record Signals(Instant at, @Nullable Double inFlightRequests, List<PoolSignal> pools, List<GateSnapshot> gates,
		List<EventLoopSignal> eventLoops, List<BlockingSignal> blocking, List<TimeoutSignal> timeouts,
		@Nullable Duration totalStall) {

	public Signals {
		pools = List.copyOf(pools);
		gates = List.copyOf(gates);
		eventLoops = List.copyOf(eventLoops);
		blocking = List.copyOf(blocking);
		timeouts = List.copyOf(timeouts);
	}

	/**
	 * A sample with nothing in it but the time.
	 * @param at the time
	 * @return an empty sample
	 */
	public static Signals empty(Instant at) {
		return new Signals(at, null, List.of(), List.of(), List.of(), List.of(), List.of(), null);
	}

	PoolSignal pool(String key) {
		return this.pools.stream().filter((pool) -> pool.key().equals(key)).findFirst().orElse(null);
	}

	GateSnapshot gate(String kind, String name) {
		return this.gates.stream()
			.filter((gate) -> gate.kind().equals(kind) && gate.name().equals(name))
			.findFirst()
			.orElse(null);
	}

	long blockingCount(String frame) {
		return this.blocking.stream().filter((b) -> b.frame().equals(frame)).mapToLong(BlockingSignal::count).sum();
	}

	long timeoutCount(String meter) {
		return this.timeouts.stream().filter((t) -> t.meter().equals(meter)).mapToLong(TimeoutSignal::count).sum();
	}

	EventLoopSignal eventLoop(String name) {
		return this.eventLoops.stream().filter((loop) -> loop.name().equals(name)).findFirst().orElse(null);
	}

}

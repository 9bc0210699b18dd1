package dev.fluxgate.gate;

/**
 * Anything that admits or rejects work: a load shedder, a bulkhead, a rate limiter, an offload scheduler. Every gate
 * reports the same facts through {@link #snapshot()}, so meters and the diagnosis read any gate the same way without
 * knowing how it is built.
 */
public interface Gate {

	/**
	 * A bounded identifier, unique within its kind (a dependency name, {@code server}, a scheduler name).
	 * @return the name
	 */
	String name();

	/**
	 * What sort of gate this is: {@code shedding}, {@code bulkhead}, {@code rate-limit}, {@code offload},
	 * {@code circuit-breaker}, ...
	 * @return the kind
	 */
	String kind();

	/**
	 * The gate's state now.
	 * @return a snapshot
	 */
	GateSnapshot snapshot();

}

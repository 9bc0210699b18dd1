package dev.fluxgate.autoconfigure.doctor;

import java.util.List;

/**
 * Where connection pool states come from: one source per kind of pool (R2DBC pools read from the pools themselves,
 * WebClient pools from Reactor Netty's meters).
 */
@FunctionalInterface
interface PoolSignalSource {

	/**
	 * Every pool of this kind, now.
	 * @return the pools
	 */
	List<PoolSignal> pools();

}

package dev.fluxgate.autoconfigure.doctor;

import reactor.core.publisher.Mono;

/**
 * Reads how many connections the database accepts.
 */
@FunctionalInterface
interface DatabaseLimitsSource {

	/**
	 * The limits; empty when the database is not one whose limits can be read, an error when reading failed.
	 * @return the limits, bounded in time
	 */
	Mono<DatabaseLimits> limits();

}

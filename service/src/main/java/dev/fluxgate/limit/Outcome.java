package dev.fluxgate.limit;

/**
 * How a unit of admitted work ended, as far as a concurrency limit cares.
 */
public enum Outcome {

	/** Completed normally: its latency is a valid sample. */
	SUCCESS,

	/**
	 * A sign of overload: a server error (5xx), a timeout, a downstream rejection. Lowers an adaptive limit; its
	 * latency is not a sample (a timeout's latency is the timeout, not the service's).
	 */
	DROPPED,

	/**
	 * Says nothing about capacity: a client error (4xx) or a client that went away. Not sampled, so a client that
	 * cancels early cannot make the service look fast, and a flood of bad requests cannot make it look slow.
	 */
	IGNORED

}

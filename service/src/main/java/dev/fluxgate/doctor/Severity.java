package dev.fluxgate.doctor;

/**
 * How urgent a {@link Finding} is.
 */
public enum Severity {

	/** Requests are failing or about to fail now; act first. */
	CRITICAL,

	/** A limit is reached or a plan does not fit; requests may fail under the next peak. */
	WARNING,

	/** Worth knowing; no action required. */
	INFO

}

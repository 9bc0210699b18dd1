package dev.fluxgate.eventloop;

/**
 * What happens when code blocks a thread that must not block (an event loop, a Reactor {@code parallel} thread).
 */
public enum BlockingDetectionMode {

	/** Nothing is checked. */
	OFF,

	/** The blocking call runs; its stack is logged once per call site and {@code fluxgate.blocking.calls} counts it. */
	WARN,

	/** The blocking call fails with BlockHound's {@code BlockingOperationError}. For tests. */
	STRICT

}

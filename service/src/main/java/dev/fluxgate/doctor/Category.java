package dev.fluxgate.doctor;

/**
 * What a {@link Finding} is about, declared in the order an expert troubleshoots a reactive service: a blocked event
 * loop explains everything downstream of it, so it comes first; gates rejecting work are usually a symptom of one of
 * the earlier causes, so they come last.
 */
public enum Category {

	/** Blocking calls on an event loop. */
	BLOCKING,

	/** Pool exhaustion, connection leaks and capacity plans that do not fit. */
	POOL,

	/** CPU and event-loop overload: lag without blocking. */
	EVENT_LOOP,

	/** Timeouts, retries, exhausted budgets and dependencies that cannot be reached. */
	TIMEOUTS,

	/** Shedding, bulkhead and rate-limit rejections, open circuits. */
	GATES,

	/** Durable job queues: a growing backlog, a handler that keeps failing, dead letters. */
	JOBS

}

package dev.fluxgate.server;

import org.springframework.core.Ordered;

/**
 * The order of Fluxgate's server {@code WebFilter}s, outermost first. Each guard must see what the one before it
 * decided:
 * <ol>
 * <li>{@link #DEADLINE}: starts the request's clock first, so every later filter, the handler and every client call
 * run inside the deadline, and a request that is already late is answered 504 before it costs anything.</li>
 * <li>{@link #SHEDDING}: rejects (503) when the server is at its concurrency limit, before any rate-limit lookup,
 * security or handler work is spent on the request. Inside the deadline, so a request cut off by its deadline counts
 * as a drop for the adaptive limit.</li>
 * <li>{@link #RATE_LIMIT}: reserved for Fluxgate's rate limiter (429). After shedding, so an overloaded instance does
 * not spend a Redis round trip on requests it will shed anyway; before Spring Security
 * ({@code WebFilterChainProxy}, order -100) and application filters (order 0 and later).</li>
 * </ol>
 * Boot's HTTP server observation wraps the whole chain (it is not a filter in Spring Framework 7), so it records the
 * 504, 503 and 429 answers with their status.
 */
public final class ServerFilterOrder {

	/** Order of the request deadline filter. */
	public static final int DEADLINE = Ordered.HIGHEST_PRECEDENCE + 100;

	/** Order of the load-shedding filter. */
	public static final int SHEDDING = DEADLINE + 100;

	/** Reserved for the rate-limiting filter: after shedding, before Spring Security (-100). */
	public static final int RATE_LIMIT = SHEDDING + 100;

	private ServerFilterOrder() {
	}

}

package dev.fluxgate.server;

import org.springframework.core.Ordered;

/**
 * The order of every Fluxgate server {@code WebFilter}, outermost first, in one place. Each guard must see what the
 * one before it decided, and no order ties with another filter's (which of two filters with the same order runs
 * first is unspecified):
 * <ol>
 * <li>{@link #OFFLOAD} (offload rejection mapping, quiet cancellations): outermost, so a full blocking executor
 * becomes a 503 wherever in the chain it is met, and every other guard runs with the quiet-cancellation hook.</li>
 * <li>{@link #BACKGROUND} (tasks after the response): outside every guard, so the tasks registered by a request run
 * whatever answer it got (504, 503, 429 included).</li>
 * <li>{@link #DEADLINE}: starts the request's clock, so every later filter, the handler and every client call run
 * inside the deadline, and a request that is already late is answered 504 before it costs anything.</li>
 * <li>{@link #SHEDDING}: rejects (503) when the server is at its concurrency limit, before any rate-limit lookup,
 * security or handler work is spent on the request. Inside the deadline, so a request cut off by its deadline counts
 * as a drop for the adaptive limit.</li>
 * <li>{@link #RATE_LIMIT}: Fluxgate's rate limiter (429), the default. After shedding, so an overloaded instance does
 * not spend a Redis round trip on requests it will shed anyway; just before Spring Security
 * ({@link #SPRING_SECURITY}) and the application's filters (order 0 and later by default).</li>
 * <li>{@link #RATE_LIMIT_AFTER_SECURITY}: the rate limiter when a policy is keyed by principal, just after Spring
 * Security, where the principal is known.</li>
 * </ol>
 * Boot's HTTP server observation wraps the whole chain (it is not a filter in Spring Framework 7), so it records the
 * 504, 503 and 429 answers with their status. Boot's own filters (hidden HTTP method, -10000) sit between
 * {@link #SHEDDING} and {@link #RATE_LIMIT}.
 */
public final class ServerFilterOrder {

	/** Order of the offload filter (executor rejection mapping, quiet cancellations). */
	public static final int OFFLOAD = Ordered.HIGHEST_PRECEDENCE;

	/** Order of the filter that starts background tasks after the response. */
	public static final int BACKGROUND = OFFLOAD + 10;

	/** Order of the request deadline filter. */
	public static final int DEADLINE = OFFLOAD + 100;

	/** Order of the load-shedding filter. */
	public static final int SHEDDING = DEADLINE + 100;

	/**
	 * Order of Spring Security's {@code WebFilterChainProxy} ({@code WebFluxSecurityConfiguration}); not Fluxgate's,
	 * here so Fluxgate's orders can be placed around it.
	 */
	public static final int SPRING_SECURITY = -100;

	/** Default order of the rate-limiting filter: after shedding, just before Spring Security. */
	public static final int RATE_LIMIT = SPRING_SECURITY - 1;

	/** Order of the rate-limiting filter when a policy is keyed by principal: just after Spring Security. */
	public static final int RATE_LIMIT_AFTER_SECURITY = SPRING_SECURITY + 1;

	private ServerFilterOrder() {
	}

}

package dev.fluxgate.ratelimit;

import java.util.ArrayList;
import java.util.List;

import dev.fluxgate.overload.OverloadException;
import dev.fluxgate.overload.RateLimitedException;
import dev.fluxgate.server.ServerFilterOrder;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.server.PathContainer;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Applies every {@link RateLimitPolicy} whose paths match the request, in order; each spends one token of its own
 * budget. A request that finds a window empty fails with {@link RateLimitedException} (429) carrying
 * {@code Retry-After} (time until the bucket has a token) and the {@code RateLimit-Policy}/{@code RateLimit} fields;
 * admitted responses carry the fields too. Raised as an error signal, so exception handlers can restyle it.
 * <p>
 * Ordered at {@link ServerFilterOrder#RATE_LIMIT} by default: after Fluxgate's request-deadline and load-shedding
 * filters (a request shed for overload does not also spend a token, and the Redis call runs under the request's
 * deadline), just before Spring Security and the application's own filters. Policies keyed by principal run at
 * {@link ServerFilterOrder#RATE_LIMIT_AFTER_SECURITY}, just after Spring Security, where the principal is known.
 */
public final class RateLimitWebFilter implements WebFilter, Ordered {

	private final List<RateLimitGate> policies;

	private final RateLimitBackend backend;

	private final int order;

	/**
	 * A filter.
	 * @param policies the policies, each with its gate (meters)
	 * @param backend where buckets live
	 * @param order the filter order
	 */
	public RateLimitWebFilter(List<RateLimitGate> policies, RateLimitBackend backend, int order) {
		this.policies = List.copyOf(policies);
		this.backend = backend;
		this.order = order;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		if (this.policies.isEmpty()) {
			return chain.filter(exchange); // nothing to do costs nothing
		}
		PathContainer path = exchange.getRequest().getPath().pathWithinApplication();
		@Nullable List<RateLimitGate> matching = null;
		for (RateLimitGate gate : this.policies) {
			if (gate.policy().matches(path)) {
				if (matching == null) {
					matching = new ArrayList<>(2);
				}
				matching.add(gate);
			}
		}
		if (matching == null) {
			return chain.filter(exchange);
		}
		return Flux.fromIterable(matching)
			.concatMap((gate) -> decide(gate, exchange))
			.then(Mono.defer(() -> chain.filter(exchange)));
	}

	private Mono<Void> decide(RateLimitGate gate, ServerWebExchange exchange) {
		RateLimitPolicy policy = gate.policy();
		return policy.keyResolver()
			.resolve(exchange)
			.flatMap((key) -> this.backend.tryConsume(policy, key))
			.doOnError(OverloadException.class, (ex) -> gate.stats().rejected(RedisRateLimitBackend.REASON_UNAVAILABLE))
			.flatMap((decision) -> {
				if (decision.allowed()) {
					gate.stats().admitted(0);
					RateLimitHeaders.add(policy, decision, exchange.getResponse().getHeaders());
					return Mono.empty();
				}
				gate.stats().rejected("rate-limited");
				RateLimitedException rejected = new RateLimitedException(
						"Rate limit '" + policy.name() + "' exceeded", decision.retryAfter());
				RateLimitHeaders.add(policy, decision, rejected.getHeaders());
				return Mono.error(rejected);
			});
	}

	@Override
	public int getOrder() {
		return this.order;
	}

	/**
	 * Spring's filter chain names each request's checkpoint after the filter's {@code toString()}: the class name,
	 * which the JVM keeps, costs nothing per request, where {@code Object.toString()} builds a new string each time.
	 */
	@Override
	public String toString() {
		return getClass().getName();
	}

}

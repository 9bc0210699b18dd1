package dev.fluxgate.offload;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Turns a full blocking executor into the overload contract. WebFlux hands a controller method to the executor with
 * {@code subscribeOn}; a rejection there reaches the error channel wrapped in Reactor's own
 * {@code RejectedExecutionException} and, untranslated, becomes a 500. This filter unwraps it into the
 * {@link dev.fluxgate.overload.CapacityExceededException} it carries: 503 + {@code Retry-After}.
 */
public final class OffloadRejectionWebFilter implements WebFilter, Ordered {

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		return chain.filter(exchange).onErrorMap((error) -> OffloadRejectedException.findIn(error) != null,
				(error) -> OffloadRejectedException.findIn(error).toOverload());
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}

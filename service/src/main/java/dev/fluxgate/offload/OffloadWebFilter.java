package dev.fluxgate.offload;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Fits the request chain to controller methods that WebFlux hands to the blocking executor:
 * <ul>
 * <li>A full executor becomes the overload contract. WebFlux hands a controller method over with {@code subscribeOn};
 * a rejection there reaches the error channel wrapped in Reactor's own {@code RejectedExecutionException} and,
 * untranslated, becomes a 500. This filter unwraps it into the {@link dev.fluxgate.overload.CapacityExceededException}
 * it carries: 503 + {@code Retry-After}.</li>
 * <li>A cancelled handler ends quietly. Cancelling the request (the client went away, the deadline expired)
 * interrupts the handler's thread, and the error it then throws reaches operators that were already cancelled,
 * which report it as dropped: by default one ERROR with a stack trace per cancelled request. The request's Reactor
 * context carries {@link CancelledTaskDrops}, which turns exactly those drops into a DEBUG line; every other drop is
 * reported as before. Cancellations are counted by the executor ({@code fluxgate.offload.cancelled}).</li>
 * </ul>
 */
public final class OffloadWebFilter implements WebFilter, Ordered {

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		return chain.filter(exchange)
			.onErrorMap((error) -> OffloadRejectedException.findIn(error) != null,
					(error) -> OffloadRejectedException.findIn(error).toOverload())
			.contextWrite(CancelledTaskDrops::putIn);
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}

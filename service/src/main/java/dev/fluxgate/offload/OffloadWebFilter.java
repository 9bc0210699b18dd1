package dev.fluxgate.offload;

import dev.fluxgate.server.ServerFilterOrder;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;

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
		return new Fitted(chain.filter(exchange));
	}

	/** Both jobs as one operator: one subscriber where {@code onErrorMap} and {@code contextWrite} took two. */
	private static final class Fitted extends Mono<Void> {

		private final Mono<Void> source;

		Fitted(Mono<Void> source) {
			this.source = source;
		}

		@Override
		public void subscribe(CoreSubscriber<? super Void> actual) {
			this.source.subscribe(new FittedSubscriber(actual));
		}

	}

	private static final class FittedSubscriber extends BaseSubscriber<Void> {

		private final CoreSubscriber<? super Void> actual;

		private final Context context;

		FittedSubscriber(CoreSubscriber<? super Void> actual) {
			this.actual = actual;
			this.context = CancelledTaskDrops.putIn(actual.currentContext());
		}

		@Override
		public Context currentContext() {
			return this.context;
		}

		@Override
		protected void hookOnSubscribe(Subscription subscription) {
			this.actual.onSubscribe(this);
		}

		@Override
		protected void hookOnError(Throwable error) {
			OffloadRejectedException rejected = OffloadRejectedException.findIn(error);
			this.actual.onError((rejected != null) ? rejected.toOverload() : error);
		}

		@Override
		protected void hookOnComplete() {
			this.actual.onComplete();
		}

	}

	@Override
	public int getOrder() {
		return ServerFilterOrder.OFFLOAD;
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

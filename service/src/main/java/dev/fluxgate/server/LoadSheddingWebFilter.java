package dev.fluxgate.server;

import java.time.Duration;
import java.util.List;

import dev.fluxgate.deadline.Deadline;
import dev.fluxgate.deadline.RequestDeadlineWebFilter;
import dev.fluxgate.limit.Outcome;
import dev.fluxgate.overload.CapacityExceededException;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

import org.springframework.core.Ordered;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.ErrorResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Sheds load at the server edge: a request arriving while the {@link LoadShedder} is at its limit fails with a
 * {@link CapacityExceededException} (reason {@code shed}): 503 with {@code Retry-After} through the overload
 * contract, before any handler work. Excluded paths (actuator, health probes) and long-lived streams are never
 * shed and never counted.
 * <p>
 * Outcomes fed to the limit: a response below 400 is a success; a 5xx response or error (including a downstream
 * bulkhead or circuit rejection) and a request cut off by its own deadline are drops; a 4xx and a client that went
 * away (cancel before the deadline) are ignored. The permit comes back exactly once on complete, error or cancel.
 */
public class LoadSheddingWebFilter implements WebFilter, Ordered {

	private final LoadShedder shedder;

	private final Duration retryAfter;

	private final RequestExclusions exclusions;

	/**
	 * A filter.
	 * @param shedder the gate
	 * @param retryAfter the {@code Retry-After} sent with a rejection
	 * @param excludedPaths path patterns never shed
	 */
	public LoadSheddingWebFilter(LoadShedder shedder, Duration retryAfter, List<String> excludedPaths) {
		this.shedder = shedder;
		this.retryAfter = retryAfter;
		this.exclusions = new RequestExclusions(excludedPaths);
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		if (this.exclusions.excludes(exchange)) {
			return chain.filter(exchange);
		}
		return new Admission(chain, exchange);
	}

	private CapacityExceededException rejection() {
		return new CapacityExceededException(LoadShedder.REASON_SHED,
				"The server is at its concurrency limit of " + this.shedder.limit().current() + " requests in flight",
				this.retryAfter);
	}

	/**
	 * The rest of the chain behind a permit, as one operator: admits on subscribe (a chain never subscribed holds no
	 * permit) and releases exactly once, with the outcome, on complete, error or cancel.
	 */
	private final class Admission extends Mono<Void> {

		private final WebFilterChain chain;

		private final ServerWebExchange exchange;

		Admission(WebFilterChain chain, ServerWebExchange exchange) {
			this.chain = chain;
			this.exchange = exchange;
		}

		@Override
		public void subscribe(CoreSubscriber<? super Void> actual) {
			LoadShedder.Permit permit = LoadSheddingWebFilter.this.shedder.tryAcquire();
			if (permit == null) {
				Operators.error(actual, rejection());
				return;
			}
			Mono<Void> rest;
			try {
				rest = this.chain.filter(this.exchange);
			}
			catch (RuntimeException | Error ex) {
				permit.release(outcomeOf(ex));
				Operators.error(actual, Operators.onOperatorError(ex, actual.currentContext()));
				return;
			}
			rest.subscribe(new Releasing(actual, permit, this.exchange));
		}

	}

	private static final class Releasing extends BaseSubscriber<Void> {

		private final CoreSubscriber<? super Void> actual;

		private final LoadShedder.Permit permit;

		private final ServerWebExchange exchange;

		Releasing(CoreSubscriber<? super Void> actual, LoadShedder.Permit permit, ServerWebExchange exchange) {
			this.actual = actual;
			this.permit = permit;
			this.exchange = exchange;
		}

		@Override
		public Context currentContext() {
			return this.actual.currentContext();
		}

		@Override
		protected void hookOnSubscribe(Subscription subscription) {
			this.actual.onSubscribe(this);
		}

		@Override
		protected void hookOnComplete() {
			this.permit.release(outcomeOf(this.exchange.getResponse().getStatusCode()));
			this.actual.onComplete();
		}

		@Override
		protected void hookOnError(Throwable ex) {
			this.permit.release(outcomeOf(ex));
			this.actual.onError(ex);
		}

		@Override
		protected void hookOnCancel() {
			this.permit.release(deadlineExpired(this.exchange) ? Outcome.DROPPED : Outcome.IGNORED);
		}

	}

	static Outcome outcomeOf(HttpStatusCode status) {
		if (status == null || status.value() < 400) {
			return Outcome.SUCCESS;
		}
		return status.is4xxClientError() ? Outcome.IGNORED : Outcome.DROPPED;
	}

	static Outcome outcomeOf(Throwable ex) {
		if (ex instanceof ErrorResponse response && response.getStatusCode().is4xxClientError()) {
			return Outcome.IGNORED;
		}
		return Outcome.DROPPED;
	}

	private static boolean deadlineExpired(ServerWebExchange exchange) {
		Deadline deadline = exchange.getAttribute(RequestDeadlineWebFilter.DEADLINE_ATTRIBUTE);
		return deadline != null && deadline.remaining().toMillis() < 1;
	}

	/**
	 * The gate behind this filter.
	 * @return the shedder
	 */
	public LoadShedder shedder() {
		return this.shedder;
	}

	@Override
	public int getOrder() {
		return ServerFilterOrder.SHEDDING;
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

package dev.fluxgate.server;

import java.time.Duration;
import java.util.List;

import dev.fluxgate.deadline.Deadline;
import dev.fluxgate.limit.Outcome;
import dev.fluxgate.overload.CapacityExceededException;
import reactor.core.publisher.Mono;

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
		if (this.exclusions.excludes(exchange.getRequest())) {
			return chain.filter(exchange);
		}
		return Mono.defer(() -> {
			LoadShedder.Permit permit = this.shedder.tryAcquire();
			if (permit == null) {
				return Mono.error(new CapacityExceededException(LoadShedder.REASON,
						"The server is at its concurrency limit of " + this.shedder.limit().current()
								+ " requests in flight",
						this.retryAfter));
			}
			return chain.filter(exchange)
				.doOnSuccess((done) -> permit.release(outcomeOf(exchange.getResponse().getStatusCode())))
				.doOnError((ex) -> permit.release(outcomeOf(ex)))
				.doOnCancel(() -> permit.release(deadlineExpired(exchange) ? Outcome.DROPPED : Outcome.IGNORED))
				.doFinally((signal) -> permit.release(Outcome.IGNORED));
		});
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

}

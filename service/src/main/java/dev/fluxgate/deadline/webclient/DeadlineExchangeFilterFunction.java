package dev.fluxgate.deadline.webclient;

import java.time.Duration;
import java.util.Optional;

import dev.fluxgate.deadline.Deadline;
import dev.fluxgate.overload.DeadlineExceededException;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;

/**
 * Makes a WebClient call respect the deadline of the request it is made for (the {@link Deadline} in the Reactor
 * context): the call gets at most {@code remaining - margin} to answer, on top of the client's own response timeout
 * ({@code spring.http.clients.read-timeout}, a service-client group's or a per-request one), so the effective limit
 * is {@code min(remaining - margin, response timeout)}. The budget is forwarded to the callee in the deadline header,
 * so the callee gives up when this service stops waiting. A call with no time left is not made, and a call cut off
 * by the deadline fails with a {@link DeadlineExceededException} (504 through the overload contract, not a 500);
 * either way its connection is closed and the callee sees the request cancelled. Calls made outside a request (no
 * deadline in the context) are left alone.
 * <p>
 * The cap is a Reactor timeout around the exchange rather than a per-request Reactor Netty
 * {@code responseTimeout}: the client's own timeout cannot be read from the request (it may come from a service
 * client group or the application), and a per-request {@code responseTimeout} would replace it, lengthening a
 * shorter one. Composing both always gives the minimum, with any client connector.
 */
public final class DeadlineExchangeFilterFunction implements ExchangeFilterFunction {

	private final @Nullable String header;

	private final Duration margin;

	/**
	 * A filter.
	 * @param header the header that carries the remaining budget in milliseconds to the callee; none to not forward
	 * it
	 * @param margin time kept back for the response to travel back and be handled
	 */
	public DeadlineExchangeFilterFunction(@Nullable String header, Duration margin) {
		this.header = header;
		this.margin = margin;
	}

	@Override
	public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
		return Mono.deferContextual((context) -> {
			Optional<Deadline> current = Deadline.current(context);
			if (current.isEmpty()) {
				return next.exchange(request);
			}
			Duration budget = current.get().remaining().minus(this.margin);
			if (budget.toMillis() < 1) {
				return Mono.error(new DeadlineExceededException(
						"No time left of the request's deadline for a call to " + request.url().getHost()));
			}
			ClientRequest forwarded = (this.header != null) ? ClientRequest.from(request)
				.headers((headers) -> headers.set(this.header, String.valueOf(budget.toMillis())))
				.build() : request;
			return next.exchange(forwarded)
				.timeout(budget, Mono.error(() -> new DeadlineExceededException("A call to " + request.url().getHost()
						+ " did not answer within the " + budget.toMillis() + " ms left of the request's deadline")));
		});
	}

}

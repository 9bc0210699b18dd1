package dev.fluxgate.dependency;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import dev.fluxgate.deadline.Deadline;
import dev.fluxgate.overload.CapacityExceededException;
import dev.fluxgate.overload.DeadlineExceededException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import dev.fluxgate.dependency.DependencyRetry.RetryableResponse;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;

/**
 * Every guard of one dependency composed into one {@link ExchangeFilterFunction}, outermost first:
 * <ol>
 * <li><b>deadline</b>: the call gets {@code min(timeout, what remains of the request's deadline)}; nothing is sent
 * once that is gone;</li>
 * <li><b>bulkhead</b> ({@link Bulkhead}): at most N calls in flight, a bounded FIFO queue, no parked threads;</li>
 * <li><b>circuit breaker</b> (Resilience4j): sees one logical call, after retries, with the call timeout applied
 * <em>inside</em> it, so timeouts and 5xx count as failures and a caller's cancel does not;</li>
 * <li><b>retry</b> ({@code DependencyRetry}, a Reactor {@code Retry}): idempotent methods only, backoff with full
 * jitter, {@code Retry-After} honoured, no attempt that cannot finish in time, a retry budget per dependency.</li>
 * </ol>
 * <p>
 * Who enforces what: the server's deadline filter gives each request a deadline and answers 504 when it passes; the
 * deadline WebClient filter caps any call made for a request at what remains and forwards that budget in a header.
 * This guard narrows the request's deadline to the dependency's {@code timeout} and puts the narrowed deadline in
 * the context of its attempts. Filters that sit inside the guard on the builder, the deadline filter among them, run
 * once per attempt, so every attempt, retries included, forwards the budget left when it is sent.
 * <p>
 * A refused call (bulkhead full, circuit open) fails with {@link CapacityExceededException} (503) unless a
 * {@link DependencyFallback} answers it; a call that runs out of time fails with {@link DeadlineExceededException}
 * (504).
 */
public final class DependencyGuard implements ExchangeFilterFunction {

	/** Problem reason when the circuit is open. */
	public static final String REASON_CIRCUIT_OPEN = "circuit-open";

	/** Counter of retry decisions (tags {@code dependency}, {@code outcome}: retried, budget-exhausted, no-time-left). */
	public static final String RETRIES_METER = "fluxgate.dependency.retries";

	private final DependencySettings settings;

	private final @Nullable Bulkhead bulkhead;

	private final @Nullable CircuitBreaker circuitBreaker;

	private final DependencyRetry retry;

	private final @Nullable DependencyFallback fallback;

	/**
	 * A guard.
	 * @param settings the dependency's settings
	 * @param bulkhead its bulkhead, if it has one
	 * @param circuitBreaker its circuit breaker, if it has one
	 * @param fallback the answer to refused calls; without one they fail
	 * @param meterRegistry where to count retries, if anywhere
	 */
	public DependencyGuard(DependencySettings settings, @Nullable Bulkhead bulkhead,
			@Nullable CircuitBreaker circuitBreaker, @Nullable DependencyFallback fallback,
			@Nullable MeterRegistry meterRegistry) {
		this(settings, bulkhead, circuitBreaker, new DependencyRetry(settings.name(), settings.retry(),
				(meterRegistry != null) ? meterRegistry : new CompositeMeterRegistry()), fallback);
	}

	private DependencyGuard(DependencySettings settings, @Nullable Bulkhead bulkhead,
			@Nullable CircuitBreaker circuitBreaker, DependencyRetry retry, @Nullable DependencyFallback fallback) {
		this.settings = settings;
		this.bulkhead = bulkhead;
		this.circuitBreaker = circuitBreaker;
		this.retry = retry;
		this.fallback = fallback;
	}

	/**
	 * The same guard (same bulkhead, circuit breaker and retry budget) answering refused calls with a fallback.
	 * @param fallback the fallback
	 * @return a guard sharing this one's state
	 */
	public DependencyGuard withFallback(DependencyFallback fallback) {
		return new DependencyGuard(this.settings, this.bulkhead, this.circuitBreaker, this.retry, fallback);
	}

	@Override
	public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
		return Mono.deferContextual((context) -> {
			Deadline requestDeadline = Deadline.current(context).orElse(null);
			Deadline callDeadline = (requestDeadline != null) ? requestDeadline.narrowedTo(this.settings.timeout())
					: Deadline.after(this.settings.timeout());
			if (callDeadline.isExpired()) {
				return Mono.error(new DeadlineExceededException("No time left to call dependency '"
						+ this.settings.name() + "': the request's deadline has passed"));
			}
			Mono<ClientResponse> call = withCircuitBreaker(attempts(request, next, callDeadline), callDeadline);
			if (this.bulkhead != null) {
				call = this.bulkhead.guard(call);
			}
			if (this.fallback != null) {
				call = call.onErrorResume(CapacityExceededException.class,
						(ex) -> this.fallback.fallback(request, ex));
			}
			return call.contextWrite(callDeadline::putIn);
		});
	}

	private Mono<ClientResponse> withCircuitBreaker(Mono<ClientResponse> attempts, Deadline callDeadline) {
		// The timeout sits inside the breaker, so the breaker records it as a failure; a cancel from outside (the
		// caller gave up) only releases the breaker's permit.
		Mono<ClientResponse> timed = Mono.defer(() -> attempts.timeout(positive(callDeadline.remaining())));
		if (this.circuitBreaker == null) {
			return timed.onErrorMap(TimeoutException.class, this::timedOut);
		}
		return timed
			// Deferred: flatMap cancels its source when the mapper returns a scalar error, and WebClient releases
			// the body of a cancelled exchange, so the caller could no longer read the 5xx response handed back.
			.flatMap((response) -> response.statusCode().is5xxServerError()
					? Mono.defer(() -> Mono.<ClientResponse>error(new ServerErrorResponse(response)))
					: Mono.just(response))
			.transformDeferred(CircuitBreakerOperator.of(this.circuitBreaker))
			.onErrorResume(ServerErrorResponse.class, (ex) -> Mono.just(ex.response))
			.onErrorMap(TimeoutException.class, this::timedOut)
			.onErrorMap(CallNotPermittedException.class, this::circuitOpen);
	}

	/**
	 * Every attempt of one logical call. The attempt re-subscribes {@code next}, so filters inside the guard (the
	 * deadline filter among them) run again per attempt and forward the budget left at that moment.
	 */
	private Mono<ClientResponse> attempts(ClientRequest request, ExchangeFunction next, Deadline callDeadline) {
		AtomicLong attemptStarted = new AtomicLong();
		Mono<ClientResponse> attempt = Mono.defer(() -> {
			attemptStarted.set(System.nanoTime());
			Duration attemptTimeout = min(this.settings.attemptTimeout(), positive(callDeadline.remaining()));
			return next.exchange(request)
				.timeout(attemptTimeout)
				// Deferred, for the same reason as the 5xx below: the response must stay readable.
				.flatMap((response) -> this.retry.retries(response.statusCode().value())
						? Mono.defer(() -> Mono.<ClientResponse>error(new RetryableResponse(response)))
						: Mono.just(response));
		});
		return Mono.defer(() -> attempt.retryWhen(this.retry.forCall(request.method(), callDeadline,
				attemptStarted::get)))
			.onErrorResume(RetryableResponse.class, (ex) -> Mono.just(ex.response()));
	}

	private Throwable timedOut(TimeoutException ex) {
		return new DeadlineExceededException("The call to dependency '" + this.settings.name()
				+ "' did not complete in time (timeout " + this.settings.timeout() + " or the request's deadline)",
				ex);
	}

	private Throwable circuitOpen(CallNotPermittedException ex) {
		if (this.bulkhead != null) {
			this.bulkhead.rejectedDownstream(REASON_CIRCUIT_OPEN);
		}
		Duration retryAfter = Duration
			.ofMillis(this.circuitBreaker.getCircuitBreakerConfig().getWaitIntervalFunctionInOpenState().apply(1));
		return new CapacityExceededException(REASON_CIRCUIT_OPEN,
				"The circuit breaker of dependency '" + this.settings.name() + "' is open", retryAfter, ex);
	}

	private static Duration positive(Duration duration) {
		return (duration.isNegative() || duration.isZero()) ? Duration.ofNanos(1) : duration;
	}

	private static Duration min(Duration a, Duration b) {
		return (a.compareTo(b) <= 0) ? a : b;
	}

	/**
	 * The settings of the dependency.
	 * @return the settings
	 */
	public DependencySettings settings() {
		return this.settings;
	}

	/**
	 * The bulkhead, if the dependency has one.
	 * @return the bulkhead, if any
	 */
	public @Nullable Bulkhead bulkhead() {
		return this.bulkhead;
	}

	/**
	 * The circuit breaker, if the dependency has one.
	 * @return the circuit breaker, if any
	 */
	public @Nullable CircuitBreaker circuitBreaker() {
		return this.circuitBreaker;
	}

	/** Carries a 5xx response through the circuit breaker as a failure, to be handed back unchanged after it. */
	private static final class ServerErrorResponse extends RuntimeException {

		private final transient ClientResponse response;

		ServerErrorResponse(ClientResponse response) {
			super("HTTP " + response.statusCode().value(), null, false, false);
			this.response = response;
		}

	}

}

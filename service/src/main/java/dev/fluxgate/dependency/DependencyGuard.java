package dev.fluxgate.dependency;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;

import dev.fluxgate.deadline.Deadline;
import dev.fluxgate.overload.CapacityExceededException;
import dev.fluxgate.overload.DeadlineExceededException;
import dev.fluxgate.overload.OverloadException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import org.springframework.web.reactive.function.client.WebClientRequestException;

/**
 * Every guard of one dependency as one {@link ExchangeFilterFunction}, composed outermost first:
 * <ol>
 * <li><b>deadline</b>: the call gets {@code min(timeout, what remains of the request's deadline)}; nothing is sent
 * once that is gone;</li>
 * <li><b>bulkhead</b>: at most N calls in flight, a bounded FIFO queue, no parked threads;</li>
 * <li><b>circuit breaker</b> (Resilience4j): sees one logical call, after retries, with the call timeout applied
 * <em>inside</em> it, so timeouts and 5xx count as failures and a caller's cancel does not;</li>
 * <li><b>retry</b>: idempotent methods only, exponential backoff with full jitter, {@code Retry-After} honoured, no
 * attempt scheduled that cannot finish in time, and a retry budget per dependency.</li>
 * </ol>
 * A refused call (bulkhead full, circuit open) fails with {@link CapacityExceededException} (503) unless a
 * {@link DependencyFallback} answers it; a call that runs out of time fails with {@link DeadlineExceededException}
 * (504).
 */
public final class DependencyGuard implements ExchangeFilterFunction {

	/** Problem reason when the circuit is open. */
	public static final String REASON_CIRCUIT_OPEN = "circuit-open";

	private final DependencySettings settings;

	private final Bulkhead bulkhead;

	private final CircuitBreaker circuitBreaker;

	private final RetryBudget retryBudget;

	private final DependencyFallback fallback;

	private final RetryCounters retryCounters;

	/**
	 * A guard.
	 * @param settings the dependency's settings
	 * @param bulkhead its bulkhead, or {@code null} for none
	 * @param circuitBreaker its circuit breaker, or {@code null} for none
	 * @param fallback the answer to refused calls, or {@code null} to fail them
	 * @param meterRegistry where to count retries; {@code null} for nowhere
	 */
	public DependencyGuard(DependencySettings settings, Bulkhead bulkhead, CircuitBreaker circuitBreaker,
			DependencyFallback fallback, MeterRegistry meterRegistry) {
		this(settings, bulkhead, circuitBreaker,
				new RetryBudget(settings.retry().budgetPercent(), settings.retry().budgetMinPerSecond(),
						settings.retry().budgetWindow()),
				fallback, new RetryCounters(settings.name(),
						(meterRegistry != null) ? meterRegistry : new CompositeMeterRegistry()));
	}

	private DependencyGuard(DependencySettings settings, Bulkhead bulkhead, CircuitBreaker circuitBreaker,
			RetryBudget retryBudget, DependencyFallback fallback, RetryCounters retryCounters) {
		this.settings = settings;
		this.bulkhead = bulkhead;
		this.circuitBreaker = circuitBreaker;
		this.retryBudget = retryBudget;
		this.fallback = fallback;
		this.retryCounters = retryCounters;
	}

	/**
	 * The same guard (same bulkhead, circuit breaker and retry budget) answering refused calls with a fallback.
	 * @param fallback the fallback
	 * @return a guard sharing this one's state
	 */
	public DependencyGuard withFallback(DependencyFallback fallback) {
		return new DependencyGuard(this.settings, this.bulkhead, this.circuitBreaker, this.retryBudget, fallback,
				this.retryCounters);
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
			Mono<ClientResponse> call = withCircuitBreaker(retrying(request, next, callDeadline, 1), callDeadline);
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

	private Mono<ClientResponse> retrying(ClientRequest request, ExchangeFunction next, Deadline callDeadline,
			int attempt) {
		return Mono.defer(() -> {
			if (attempt == 1) {
				this.retryBudget.onRequest();
			}
			long started = System.nanoTime();
			Duration attemptTimeout = min(this.settings.attemptTimeout(), positive(callDeadline.remaining()));
			return next.exchange(request)
				.timeout(attemptTimeout)
				.flatMap((response) -> {
					if (!this.settings.retry().statuses().contains(response.statusCode().value())) {
						return Mono.just(response);
					}
					Duration retryAfter = retryAfter(response.headers().asHttpHeaders());
					Duration delay = retryDelay(request, attempt, started, callDeadline, retryAfter);
					if (delay == null) {
						return Mono.just(response);
					}
					return response.releaseBody()
						.then(Mono.delay(delay))
						.then(retrying(request, next, callDeadline, attempt + 1));
				})
				.onErrorResume(DependencyGuard::retryableError, (ex) -> {
					Duration delay = retryDelay(request, attempt, started, callDeadline, null);
					return (delay != null)
							? Mono.delay(delay).then(retrying(request, next, callDeadline, attempt + 1))
							: Mono.error(ex);
				});
		});
	}

	/**
	 * The backoff before the next attempt, or {@code null} when there must be none.
	 */
	private Duration retryDelay(ClientRequest request, int attempt, long attemptStartedNanos, Deadline callDeadline,
			Duration retryAfter) {
		RetrySettings retry = this.settings.retry();
		if (attempt >= retry.maxAttempts() || !retry.methods().contains(request.method())) {
			return null;
		}
		Duration delay = fullJitter(attempt);
		if (retryAfter != null && retryAfter.compareTo(delay) > 0) {
			delay = retryAfter;
		}
		// The next attempt needs at least as long as the failed one took; if the deadline cannot fit the backoff
		// plus that, the retry would only burn the dependency's capacity and time out.
		Duration lastAttempt = Duration.ofNanos(Math.max(System.nanoTime() - attemptStartedNanos, 1_000_000));
		if (callDeadline.remaining().minus(delay).compareTo(lastAttempt) < 0) {
			this.retryCounters.noTimeLeft.increment();
			return null;
		}
		if (!this.retryBudget.tryRetry()) {
			this.retryCounters.budgetExhausted.increment();
			return null;
		}
		this.retryCounters.retried.increment();
		return delay;
	}

	/** Uniform in [0, min(maxBackoff, initialBackoff x 2^(attempt-1))). */
	private Duration fullJitter(int attempt) {
		RetrySettings retry = this.settings.retry();
		long bound = retry.initialBackoff().toNanos() << Math.min(attempt - 1, 20);
		bound = Math.min(Math.max(bound, 0), retry.maxBackoff().toNanos());
		return (bound <= 0) ? Duration.ZERO : Duration.ofNanos(ThreadLocalRandom.current().nextLong(bound));
	}

	static boolean retryableError(Throwable ex) {
		// Connection refused/reset, premature close, attempt timeout: the request may not have been processed, and
		// only idempotent methods are retried anyway.
		return ex instanceof WebClientRequestException || ex instanceof TimeoutException
				|| ex instanceof java.io.IOException;
	}

	static Duration retryAfter(HttpHeaders headers) {
		String value = headers.getFirst(HttpHeaders.RETRY_AFTER);
		if (value == null || value.isBlank()) {
			return null;
		}
		try {
			long seconds = Long.parseLong(value.trim());
			return (seconds >= 0) ? Duration.ofSeconds(seconds) : null;
		}
		catch (NumberFormatException ex) {
			try {
				ZonedDateTime date = ZonedDateTime.parse(value.trim(),
						java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME);
				Duration until = Duration.between(ZonedDateTime.now(date.getZone()), date);
				return until.isNegative() ? Duration.ZERO : until;
			}
			catch (java.time.format.DateTimeParseException unparseable) {
				return null;
			}
		}
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
	 * @return the bulkhead or {@code null}
	 */
	public Bulkhead bulkhead() {
		return this.bulkhead;
	}

	/**
	 * The circuit breaker, if the dependency has one.
	 * @return the circuit breaker or {@code null}
	 */
	public CircuitBreaker circuitBreaker() {
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

	private static final class RetryCounters {

		final Counter retried;

		final Counter budgetExhausted;

		final Counter noTimeLeft;

		RetryCounters(String dependency, MeterRegistry registry) {
			this.retried = counter(registry, dependency, "retried");
			this.budgetExhausted = counter(registry, dependency, "budget-exhausted");
			this.noTimeLeft = counter(registry, dependency, "no-time-left");
		}

		private static Counter counter(MeterRegistry registry, String dependency, String outcome) {
			return Counter.builder("fluxgate.dependency.retries")
				.description("Retry decisions for calls to a dependency")
				.tag("dependency", dependency)
				.tag("outcome", outcome)
				.register(registry);
		}

	}

}

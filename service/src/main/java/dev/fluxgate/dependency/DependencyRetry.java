package dev.fluxgate.dependency;

import java.io.IOException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

import dev.fluxgate.deadline.Deadline;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClientRequestException;

/**
 * The retry policy of one dependency, as a Reactor {@link Retry} per logical call: idempotent methods only,
 * exponential backoff with full jitter, {@code Retry-After} honoured, no attempt scheduled that cannot finish before
 * the call's deadline, and a {@link RetryBudget} shared by every call to the dependency. A retryable status reaches
 * the retry as a {@link RetryableResponse}; when no retry follows, the caller hands that response back unchanged.
 */
final class DependencyRetry {

	private final RetrySettings settings;

	private final RetryBudget budget;

	private final Counter retried;

	private final Counter budgetExhausted;

	private final Counter noTimeLeft;

	DependencyRetry(String dependency, RetrySettings settings, MeterRegistry meterRegistry) {
		this.settings = settings;
		this.budget = new RetryBudget(settings.budgetPercent(), settings.budgetMinPerSecond(), settings.budgetWindow());
		this.retried = counter(meterRegistry, dependency, "retried");
		this.budgetExhausted = counter(meterRegistry, dependency, "budget-exhausted");
		this.noTimeLeft = counter(meterRegistry, dependency, "no-time-left");
	}

	private static Counter counter(MeterRegistry registry, String dependency, String outcome) {
		return Counter.builder(DependencyGuard.RETRIES_METER)
			.description("Retry decisions for calls to a dependency")
			.tag("dependency", dependency)
			.tag("outcome", outcome)
			.register(registry);
	}

	/**
	 * Whether a response status is retried.
	 * @param status the status code
	 * @return whether an attempt answered with it may be retried
	 */
	boolean retries(int status) {
		return this.settings.statuses().contains(status);
	}

	/**
	 * The retry of one logical call; counts the call in the budget.
	 * @param method the call's method: only idempotent ones are retried
	 * @param callDeadline when the whole call must be done
	 * @param attemptStartedNanos when the last attempt started ({@link System#nanoTime()})
	 * @return a retry to pass to {@code retryWhen}
	 */
	Retry forCall(HttpMethod method, Deadline callDeadline, LongSupplier attemptStartedNanos) {
		this.budget.onRequest();
		return Retry.from((signals) -> signals.concatMap((signal) -> {
			Throwable failure = signal.failure();
			if (!retryable(failure)) {
				return Mono.error(failure);
			}
			ClientResponse response = (failure instanceof RetryableResponse retryable) ? retryable.response : null;
			Duration retryAfter = (response != null) ? retryAfter(response.headers().asHttpHeaders()) : null;
			Duration delay = delay(method, (int) signal.totalRetries() + 1, attemptStartedNanos.getAsLong(),
					callDeadline, retryAfter);
			if (delay == null) {
				return Mono.error(failure);
			}
			return ((response != null) ? response.releaseBody() : Mono.<Void>empty()).then(Mono.delay(delay));
		}));
	}

	/**
	 * The backoff before the next attempt, when there is one.
	 */
	private @Nullable Duration delay(HttpMethod method, int attempt, long attemptStartedNanos, Deadline callDeadline,
			@Nullable Duration retryAfter) {
		if (attempt >= this.settings.maxAttempts() || !this.settings.methods().contains(method)) {
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
			this.noTimeLeft.increment();
			return null;
		}
		if (!this.budget.tryRetry()) {
			this.budgetExhausted.increment();
			return null;
		}
		this.retried.increment();
		return delay;
	}

	/** Uniform in [0, min(maxBackoff, initialBackoff x 2^(attempt-1))). */
	private Duration fullJitter(int attempt) {
		long bound = this.settings.initialBackoff().toNanos() << Math.min(attempt - 1, 20);
		bound = Math.min(Math.max(bound, 0), this.settings.maxBackoff().toNanos());
		return (bound <= 0) ? Duration.ZERO : Duration.ofNanos(ThreadLocalRandom.current().nextLong(bound));
	}

	static boolean retryable(Throwable ex) {
		// A retryable status; connection refused/reset, premature close, attempt timeout: the request may not have
		// been processed, and only idempotent methods are retried anyway.
		return ex instanceof RetryableResponse || ex instanceof WebClientRequestException
				|| ex instanceof TimeoutException || ex instanceof IOException;
	}

	static @Nullable Duration retryAfter(HttpHeaders headers) {
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
				ZonedDateTime date = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
				Duration until = Duration.between(ZonedDateTime.now(date.getZone()), date);
				return until.isNegative() ? Duration.ZERO : until;
			}
			catch (DateTimeParseException unparseable) {
				return null;
			}
		}
	}

	/** Carries a response with a retryable status to the retry, to be handed back unchanged when none follows. */
	static final class RetryableResponse extends RuntimeException {

		private final transient ClientResponse response;

		RetryableResponse(ClientResponse response) {
			super("HTTP " + response.statusCode().value(), null, false, false);
			this.response = response;
		}

		ClientResponse response() {
			return this.response;
		}

	}

}

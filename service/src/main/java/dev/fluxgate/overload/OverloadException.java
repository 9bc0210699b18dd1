package dev.fluxgate.overload;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * A request or call that Fluxgate refused or cut short to protect the service. The one overload contract: 503 with
 * {@code Retry-After} when capacity is exhausted, 429 with {@code Retry-After} when rate limited, 504 when a deadline
 * expired; the body is an RFC 9457 problem detail. Raised as an error signal, so an application's own
 * {@code WebExceptionHandler} or {@code @ControllerAdvice} can restyle it.
 */
public abstract class OverloadException extends ErrorResponseException {

	/** Problem type URIs are {@code TYPE_BASE + reason}. */
	public static final String TYPE_BASE = "https://fluxgate.dev/problems/";

	private final String reason;

	private final @Nullable Duration retryAfter;

	protected OverloadException(HttpStatus status, String reason, String detail, @Nullable Duration retryAfter,
			@Nullable Throwable cause) {
		super(status, problem(status, reason, detail), cause);
		this.reason = reason;
		this.retryAfter = retryAfter;
		if (retryAfter != null) {
			getHeaders().set(HttpHeaders.RETRY_AFTER, String.valueOf(retryAfterSeconds(retryAfter)));
		}
	}

	private static ProblemDetail problem(HttpStatus status, String reason, String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
		problem.setType(URI.create(TYPE_BASE + reason));
		problem.setProperty("reason", reason);
		return problem;
	}

	/** Whole seconds, rounded up and at least 1: {@code Retry-After: 0} invites an immediate retry storm. */
	static long retryAfterSeconds(Duration retryAfter) {
		long seconds = retryAfter.toSeconds() + ((retryAfter.toNanosPart() > 0) ? 1 : 0);
		return Math.max(1, seconds);
	}

	/**
	 * The cause as a short, bounded token (for example {@code shed}, {@code bulkhead-full}, {@code rate-limited}),
	 * used as the {@code reason} meter tag and the last segment of the problem type.
	 * @return the reason
	 */
	public String getReason() {
		return this.reason;
	}

	/**
	 * When the client may try again, if known.
	 * @return the retry delay
	 */
	public Optional<Duration> getRetryAfter() {
		return Optional.ofNullable(this.retryAfter);
	}

	@Override
	public String getMessage() {
		return getBody().getDetail();
	}

	/**
	 * No stack trace: a refusal is an expected answer, and under overload thousands a second are created. Walking the
	 * stack for each would make refusing the bottleneck; the reason and the detail say where it came from.
	 * @return this exception
	 */
	@Override
	public final synchronized Throwable fillInStackTrace() {
		return this;
	}

}

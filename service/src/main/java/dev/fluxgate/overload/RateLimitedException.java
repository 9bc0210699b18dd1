package dev.fluxgate.overload;

import java.time.Duration;

import org.springframework.http.HttpStatus;

/**
 * 429 Too Many Requests with {@code Retry-After}: the caller used up its rate-limit budget.
 */
public class RateLimitedException extends OverloadException {

	public RateLimitedException(String detail, Duration retryAfter) {
		super(HttpStatus.TOO_MANY_REQUESTS, "rate-limited", detail, retryAfter, null);
	}

}

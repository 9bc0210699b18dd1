package dev.fluxgate.overload;

import java.time.Duration;

import org.springframework.http.HttpStatus;

/**
 * 503 Service Unavailable with {@code Retry-After}: a gate was full (load shedding, a bulkhead, an offload queue) or
 * a circuit was open. The request did no work.
 */
public class CapacityExceededException extends OverloadException {

	public CapacityExceededException(String reason, String detail, Duration retryAfter) {
		super(HttpStatus.SERVICE_UNAVAILABLE, reason, detail, retryAfter, null);
	}

	public CapacityExceededException(String reason, String detail, Duration retryAfter, Throwable cause) {
		super(HttpStatus.SERVICE_UNAVAILABLE, reason, detail, retryAfter, cause);
	}

}

package dev.fluxgate.overload;

import org.springframework.http.HttpStatus;

/**
 * 504 Gateway Timeout: the request's deadline expired before it completed (or had already expired on arrival).
 */
public class DeadlineExceededException extends OverloadException {

	public DeadlineExceededException(String detail) {
		super(HttpStatus.GATEWAY_TIMEOUT, "deadline-exceeded", detail, null, null);
	}

	public DeadlineExceededException(String detail, Throwable cause) {
		super(HttpStatus.GATEWAY_TIMEOUT, "deadline-exceeded", detail, null, cause);
	}

}

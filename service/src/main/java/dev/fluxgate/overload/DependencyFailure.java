package dev.fluxgate.overload;

import java.time.Duration;
import java.util.Optional;

import org.springframework.http.HttpStatus;

/**
 * A failure of a bounded dependency that the application did not handle itself: the timeouts Fluxgate installs (HTTP
 * response, R2DBC statement, Redis command) answer 504, and a dependency that cannot be reached or refuses answers 503
 * with {@code Retry-After}, instead of an opaque 500 with a stack trace per request. The set is small and closed: each
 * value's {@link #reason()} is a bounded meter tag and the last segment of the problem type.
 */
public enum DependencyFailure {

	/** An HTTP dependency did not answer within the client's response timeout. */
	DEPENDENCY_TIMEOUT(true, "dependency-timeout", "An HTTP dependency did not answer in time"),

	/** An HTTP dependency refused the connection, could not be resolved, or did not accept it in time. */
	DEPENDENCY_UNAVAILABLE(false, "dependency-unavailable", "An HTTP dependency could not be reached"),

	/** A database statement ran into its statement timeout. */
	DB_STATEMENT_TIMEOUT(true, "db-statement-timeout", "A database statement did not complete in time"),

	/** The database could not be reached, or refused the connection. */
	DB_UNAVAILABLE(false, "db-unavailable", "The database could not be reached"),

	/** A Redis command did not complete within the command timeout. */
	REDIS_TIMEOUT(true, "redis-timeout", "A Redis command did not complete in time"),

	/** Redis could not be reached, or the client refused the command while disconnected. */
	REDIS_UNAVAILABLE(false, "redis-unavailable", "Redis could not be reached");

	/**
	 * {@code Retry-After} of a 503 for an unreachable dependency. Long enough that an outage is not hammered by an
	 * immediate retry from every caller (a restart or failover takes seconds), short enough that callers are back
	 * soon after it ends.
	 */
	public static final Duration UNAVAILABLE_RETRY_AFTER = Duration.ofSeconds(5);

	private final boolean timeout;

	private final String reason;

	private final String detail;

	DependencyFailure(boolean timeout, String reason, String detail) {
		this.timeout = timeout;
		this.reason = reason;
		this.detail = detail;
	}

	/**
	 * The bounded token that names this failure: the {@code reason} of the problem detail and of the meter tag.
	 * @return the reason
	 */
	public String reason() {
		return this.reason;
	}

	/**
	 * Whether a time limit ran out (504), as opposed to the dependency being unreachable (503).
	 * @return {@code true} for a timeout
	 */
	public boolean isTimeout() {
		return this.timeout;
	}

	/**
	 * The status the client gets.
	 * @return 504 for a timeout, 503 otherwise
	 */
	public HttpStatus status() {
		return isTimeout() ? HttpStatus.GATEWAY_TIMEOUT : HttpStatus.SERVICE_UNAVAILABLE;
	}

	/**
	 * The failure with this reason.
	 * @param reason a reason such as {@code db-unavailable}
	 * @return the failure, or empty when the reason is not a dependency failure
	 */
	public static Optional<DependencyFailure> ofReason(String reason) {
		for (DependencyFailure failure : values()) {
			if (failure.reason.equals(reason)) {
				return Optional.of(failure);
			}
		}
		return Optional.empty();
	}

	/**
	 * The overload exception that answers this failure. The detail says what failed, never where: host names and
	 * statements stay in the server's log.
	 * @param cause the failure
	 * @return the exception
	 */
	OverloadException toException(Throwable cause) {
		return new DependencyFailureException(this, this.detail, cause);
	}

	private static final class DependencyFailureException extends OverloadException {

		DependencyFailureException(DependencyFailure failure, String detail, Throwable cause) {
			super(failure.status(), failure.reason, detail, failure.isTimeout() ? null : UNAVAILABLE_RETRY_AFTER,
					cause);
		}

	}

}

package dev.fluxgate.offload;

import java.util.concurrent.RejectedExecutionException;

import dev.fluxgate.overload.CapacityExceededException;
import org.jspecify.annotations.Nullable;

/**
 * A {@link BoundedExecutor} had no free thread and no free queue slot. It is a {@link RejectedExecutionException}, as
 * executors' callers expect, and carries the {@link CapacityExceededException} (503 + {@code Retry-After}) that the
 * request should end with. Stackless: under overload it is thrown for every excess request.
 */
public final class OffloadRejectedException extends RejectedExecutionException {

	private final transient CapacityExceededException overload;

	OffloadRejectedException(CapacityExceededException overload) {
		super(overload.getMessage(), null);
		this.overload = overload;
	}

	@Override
	public synchronized Throwable fillInStackTrace() {
		return this;
	}

	/**
	 * The overload contract this rejection stands for.
	 * @return a 503 with {@code Retry-After}
	 */
	public CapacityExceededException toOverload() {
		return this.overload;
	}

	/**
	 * Find an offload rejection in a chain of causes: Reactor wraps an executor's rejection in its own
	 * {@code RejectedExecutionException} before it reaches the error channel.
	 * @param error any error
	 * @return the rejection, or {@code null}
	 */
	public static @Nullable OffloadRejectedException findIn(Throwable error) {
		for (@Nullable Throwable t = error; t != null; t = (t.getCause() == t) ? null : t.getCause()) {
			if (t instanceof OffloadRejectedException rejected) {
				return rejected;
			}
		}
		return null;
	}

}

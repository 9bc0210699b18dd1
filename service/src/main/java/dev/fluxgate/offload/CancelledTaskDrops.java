package dev.fluxgate.offload;

import java.util.function.Consumer;

import dev.fluxgate.server.HttpConnectionTimeouts.RequestBodyTimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

import org.springframework.web.util.DisconnectedClientHelper;

/**
 * A Reactor {@code onErrorDropped} hook for one request's context (never the global one): it takes the errors that
 * are a normal consequence of a request ending early and logs them at DEBUG, instead of Reactor's default ERROR with
 * a stack trace per request, which lets any client multiply the log volume:
 * <ul>
 * <li>what a cancelled offloaded task signals after its cancel, recognised by the thread that drops it (a
 * {@link BoundedExecutor} thread whose running task was cancelled): the cancel interrupted the task, and the
 * interrupt ended it;</li>
 * <li>a client that went away ({@code AbortedException}, connection reset, broken pipe: Spring's
 * {@link DisconnectedClientHelper#isClientDisconnectedException}), reported by a write that had already been
 * cancelled;</li>
 * <li>a request body that did not arrive in time ({@link RequestBodyTimeoutException}), reported again after the
 * 408 has been answered: the slow client is the client's problem.</li>
 * </ul>
 * Any other dropped error is handed on unchanged: to the context hook that was there before, or else to Reactor's
 * global hook or default ERROR log.
 */
final class CancelledTaskDrops implements Consumer<Throwable> {

	/**
	 * Reactor's context key for a local {@code onErrorDropped} hook, read by {@code Operators.onErrorDropped}
	 * ({@code Hooks.KEY_ON_ERROR_DROPPED}, which Reactor does not make public).
	 */
	static final String CONTEXT_KEY = "reactor.onErrorDropped.local";

	private static final Logger logger = LoggerFactory.getLogger(CancelledTaskDrops.class);

	private static final CancelledTaskDrops STANDALONE = new CancelledTaskDrops(null);

	private final @Nullable Consumer<? super Throwable> next;

	private CancelledTaskDrops(@Nullable Consumer<? super Throwable> next) {
		this.next = next;
	}

	/**
	 * Put the hook into a context, in front of a local hook already there.
	 * @param context the request's context
	 * @return the context with the hook
	 */
	static Context putIn(Context context) {
		@Nullable Consumer<? super Throwable> existing = context.getOrDefault(CONTEXT_KEY, null);
		return context.put(CONTEXT_KEY, (existing != null) ? new CancelledTaskDrops(existing) : STANDALONE);
	}

	@Override
	public void accept(Throwable error) {
		if (BoundedExecutor.runningTaskCancelled()) {
			if (logger.isDebugEnabled()) {
				logger.debug("An offloaded handler ended after its request was cancelled: {}", String.valueOf(error));
			}
			return;
		}
		if (DisconnectedClientHelper.isClientDisconnectedException(error)
				|| error instanceof RequestBodyTimeoutException) {
			if (logger.isDebugEnabled()) {
				logger.debug("The client went away or was too slow after its request ended: {}", String.valueOf(error));
			}
			return;
		}
		if (this.next != null) {
			this.next.accept(error);
		}
		else {
			Operators.onErrorDropped(error, Context.empty());
		}
	}

}

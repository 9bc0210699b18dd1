package dev.fluxgate.autoconfigure.r2dbc;

import io.r2dbc.spi.Connection;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * One attempt to acquire a connection from {@link FluxgateConnectionPool}, and how far it got: queued, waiting for a
 * connection the pool is opening for it, or holding one (being validated). It travels in the attempt's Reactor
 * context, which reactor-pool hands to the allocator when it opens a connection for this borrower (see
 * {@link ConnectionCreations}) and r2dbc-pool to its post-allocate step when it hands a connection over.
 */
final class Acquisition {

	private volatile boolean creating;

	private volatile boolean holding;

	private volatile Throwable failure;

	Context addTo(Context context) {
		return context.put(Acquisition.class, this);
	}

	static @Nullable Acquisition in(ContextView context) {
		return context.getOrDefault(Acquisition.class, null);
	}

	/**
	 * r2dbc-pool's post-allocate step, which runs for every connection it hands over (new or idle) before validation.
	 * @param connection the connection
	 * @return a publisher that marks the acquisition in its context as holding a connection
	 */
	static Publisher<Void> handedOver(Connection connection) {
		return Mono.deferContextual((context) -> {
			@Nullable Acquisition acquisition = in(context);
			if (acquisition != null) {
				acquisition.holding = true;
			}
			return Mono.empty();
		});
	}

	void creating() {
		this.creating = true;
	}

	/**
	 * Whether the attempt still waits in the pool's queue for a connection someone else frees or opens.
	 * @return {@code false} once the pool opens a connection for it, or hands one over
	 */
	boolean isQueued() {
		return !this.creating && !this.holding;
	}

	/**
	 * Whether a failure of the attempt is a failure to open its connection.
	 * @return {@code true} when the pool was opening a connection for it and never handed one over
	 */
	boolean isCreationFailure() {
		return this.creating && !this.holding;
	}

	void fail(Throwable failure) {
		this.failure = failure;
	}

	Throwable failure() {
		return this.failure;
	}

}

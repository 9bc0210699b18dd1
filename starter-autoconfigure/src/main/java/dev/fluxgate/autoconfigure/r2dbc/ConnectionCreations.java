package dev.fluxgate.autoconfigure.r2dbc;

import java.util.concurrent.atomic.AtomicLong;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryMetadata;
import io.r2dbc.spi.Wrapped;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/**
 * The connection factory beneath {@link FluxgateConnectionPool}: opens connections through the real factory and
 * tells the pool about them. reactor-pool opens a connection for a borrower with the borrower's Reactor context, so
 * such a creation marks that borrower's {@link Acquisition}. The connections opened, for a borrower or for the pool's
 * warm-up, and the last failure are kept, so a queued borrower can tell a pool that keeps opening connections from one
 * that cannot.
 */
final class ConnectionCreations implements ConnectionFactory, Wrapped<ConnectionFactory> {

	private final ConnectionFactory delegate;

	private final AtomicLong opened = new AtomicLong();

	private volatile @Nullable Throwable lastFailure;

	ConnectionCreations(ConnectionFactory delegate) {
		this.delegate = delegate;
	}

	@Override
	public Publisher<? extends Connection> create() {
		return Mono.deferContextual((context) -> {
			@Nullable Acquisition acquisition = Acquisition.in(context);
			if (acquisition != null) {
				acquisition.creating();
			}
			return Mono.<Connection>from(this.delegate.create())
				.doOnNext((connection) -> this.opened.incrementAndGet())
				.doOnError((ex) -> this.lastFailure = ex);
		});
	}

	/**
	 * Connections opened so far, for any borrower or none.
	 * @return the count
	 */
	long opened() {
		return this.opened.get();
	}

	/**
	 * The last failure to open a connection, if any. A creation cut at the pool's creation timeout is not one: the
	 * timeout cancels it above this factory.
	 * @return the failure, or {@code null}
	 */
	@Nullable Throwable lastFailure() {
		return this.lastFailure;
	}

	@Override
	public ConnectionFactoryMetadata getMetadata() {
		return this.delegate.getMetadata();
	}

	@Override
	public ConnectionFactory unwrap() {
		return this.delegate;
	}

	@Override
	public String toString() {
		return this.delegate.toString();
	}

}

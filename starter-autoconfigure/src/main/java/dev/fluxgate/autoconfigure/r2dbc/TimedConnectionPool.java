package dev.fluxgate.autoconfigure.r2dbc;

import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.spi.Connection;
import reactor.core.publisher.Mono;

/**
 * Boot's pool as Fluxgate rebuilds it, with every acquisition timed. A subclass rather than a wrapper, so the bean
 * is still a {@link ConnectionPool} for everything that injects or unwraps one (Boot's pool metrics and health,
 * application code).
 */
class TimedConnectionPool extends ConnectionPool {

	private final AcquireTimer timer;

	TimedConnectionPool(ConnectionPoolConfiguration configuration, AcquireTimer timer) {
		super(configuration);
		this.timer = timer;
	}

	@Override
	public Mono<Connection> create() {
		return this.timer.time(super.create());
	}

	AcquireTimer timer() {
		return this.timer;
	}

}

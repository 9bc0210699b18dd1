package dev.fluxgate.autoconfigure.r2dbc;

import java.time.Duration;

import dev.fluxgate.overload.CapacityExceededException;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.R2dbcTimeoutException;
import reactor.core.publisher.Mono;
import reactor.pool.PoolAcquirePendingLimitException;

/**
 * Boot's pool as Fluxgate rebuilds it. An acquisition that finds the pool exhausted (its wait timed out, or the
 * pending queue is full) fails with {@link CapacityExceededException} ({@code db-pool-exhausted}), so the client gets
 * the overload contract's 503 with {@code Retry-After} instead of a 500; the pool's own exception stays the cause.
 * When acquire metrics are on, every acquisition is timed. A subclass rather than a wrapper, so the bean is still a
 * {@link ConnectionPool} for everything that injects or unwraps one.
 */
class FluxgateConnectionPool extends ConnectionPool {

	static final String EXHAUSTED = "db-pool-exhausted";

	private static final Duration RETRY_AFTER = Duration.ofSeconds(1);

	private final AcquireTimer timer;

	/**
	 * A pool.
	 * @param configuration the pool's configuration
	 * @param timer times acquisitions, or {@code null} for none
	 */
	FluxgateConnectionPool(ConnectionPoolConfiguration configuration, AcquireTimer timer) {
		super(configuration);
		this.timer = timer;
	}

	@Override
	public Mono<Connection> create() {
		Mono<Connection> acquisition = (this.timer != null) ? this.timer.time(super.create()) : super.create();
		return acquisition.onErrorMap(FluxgateConnectionPool::isExhaustion,
				(ex) -> new CapacityExceededException(EXHAUSTED,
						"No database connection became free: every pooled connection is in use (" + ex.getMessage()
								+ "). See spring.r2dbc.pool.max-size and /actuator/concurrency.",
						RETRY_AFTER, ex));
	}

	private static boolean isExhaustion(Throwable ex) {
		return (ex instanceof R2dbcTimeoutException && String.valueOf(ex.getMessage()).contains("acquisition timed out"))
				|| ex instanceof PoolAcquirePendingLimitException;
	}

}

package dev.fluxgate.autoconfigure.r2dbc;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import dev.fluxgate.autoconfigure.defaults.BootPropertyDefaults;
import dev.fluxgate.autoconfigure.defaults.ConcurrencySettingsCollector;
import dev.fluxgate.limit.StandingQueue;
import dev.fluxgate.overload.CapacityExceededException;
import dev.fluxgate.overload.DependencyFailure;
import dev.fluxgate.overload.OverloadException;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.pool.PoolMetrics;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.R2dbcTimeoutException;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.pool.PoolAcquirePendingLimitException;
import reactor.pool.PoolShutdownException;
import reactor.util.context.Context;
import reactor.util.retry.Retry;

import org.springframework.boot.r2dbc.autoconfigure.R2dbcProperties;

/**
 * Boot's pool as Fluxgate rebuilds it: an acquisition waits {@code max-acquire-time} for a pool whose connections are
 * all busy, and no longer cuts short a connection that is being opened.
 * <p>
 * r2dbc-pool applies {@code maxAcquireTime} as one timeout over the whole acquisition: the wait in the queue, opening
 * a new connection and validating it. A short value, right for a pool whose connections are all busy, then also cuts
 * the first connections of a slow but healthy database (schema initialisation at startup, the first requests, pool
 * growth under load). reactor-pool itself separates the two: its pending timeout stops once a connection is being
 * allocated for the borrower, and it passes the borrower's context to the allocator. This pool does the same: an
 * attempt waits at most {@code max-acquire-time} in the queue. When that runs out:
 * <ul>
 * <li>if the pool is opening a connection for this attempt, or has handed it one, the attempt goes on: opening is
 * bounded by {@code max-create-connection-time}, validation by {@code max-validation-time};</li>
 * <li>if the pool is opening connections for others or for its warm-up to its minimum size, a connection is on its
 * way rather than busy: the attempt goes on waiting while the pool keeps opening connections, checking once per
 * {@code max-create-connection-time}; when none was opened in a whole period, it fails as {@code db-unavailable};</li>
 * <li>otherwise every connection is in use: it fails at once as {@code db-pool-exhausted}, as does an attempt that
 * finds the pending queue full.</li>
 * </ul>
 * Once the queue stands (it has not been empty for {@code fluxgate.r2dbc.pool.queue-interval} while the pool turned
 * its connections over twice: requests arrive faster than connections free up), a new attempt waits at most
 * {@code fluxgate.r2dbc.pool.queue-target} instead of {@code max-acquire-time} before it fails as
 * {@code db-pool-exhausted}, and a new attempt that the requests already waiting would keep waiting longer than that,
 * at the pace connections have been freed, fails at once: under overload a longer wait only adds latency to the
 * requests that are served, and delays the refusal of those that are not. Such a refusal is final ({@code
 * acquire-retry} would only join the same queue again), and the queue stands until a whole
 * {@code queue-interval} passes without one. The pool stays busy all the same, with the waiters it can serve in time.
 * <p>
 * A failure to open the attempt's own connection (timeout, refused, authentication) fails it as
 * {@code db-unavailable}. Each is a {@link CapacityExceededException} (503 with {@code Retry-After}) whose message
 * says which case it was, with the pool's counts and the property that bounded the wait; the pool's exception stays
 * the cause. Boot's {@code acquire-retry} repeats a failed attempt, as r2dbc-pool does, except one that could not
 * open a connection: the wait for a connection being opened stays bounded by the creation timeout. When acquire
 * metrics are on, every acquisition is timed. A subclass rather than a wrapper, so the bean is still a
 * {@link ConnectionPool} for everything that injects or unwraps one.
 */
class FluxgateConnectionPool extends ConnectionPool {

	static final String EXHAUSTED = "db-pool-exhausted";

	static final String UNAVAILABLE = DependencyFailure.DB_UNAVAILABLE.reason();

	private static final Duration RETRY_AFTER = Duration.ofSeconds(1);

	/** Reactor's context key for a hook that receives values dropped after an operator (a timeout) gave up. */
	private static final String ON_NEXT_DROPPED = "reactor.onNextDropped.local";

	/** Reactor's context key for a hook that receives errors signalled after the subscriber went away. */
	private static final String ON_ERROR_DROPPED = "reactor.onErrorDropped.local";

	private final ConnectionFactory connectionFactory;

	private final ConnectionCreations creations;

	private final AcquireLimits limits;

	private final Mono<Connection> acquisition;

	private final StandingQueue standing;

	private FluxgateConnectionPool(ConnectionPoolConfiguration configuration, ConnectionFactory connectionFactory,
			ConnectionCreations creations, AcquireLimits limits, @Nullable AcquireTimer timer) {
		super(configuration);
		this.connectionFactory = connectionFactory;
		this.creations = creations;
		this.limits = limits;
		this.standing = new StandingQueue(limits.queueTarget(), limits.queueInterval(),
				(long) StandingQueue.DEFAULT_TURNOVERS * getMetrics().map(PoolMetrics::getMaxAllocatedSize).orElse(1));
		Mono<Connection> acquisition = Mono.defer(this::attempt)
			.retryWhen(Retry.max(Math.max(0, limits.acquireRetry()))
				.filter(FluxgateConnectionPool::isRetryable)
				.onRetryExhaustedThrow((spec, signal) -> signal.failure()));
		this.acquisition = (timer != null) ? timer.time(acquisition) : acquisition;
	}

	/**
	 * A pool. The acquisition limits replace the builder's acquire time, retry and creation time.
	 * @param builder the pool's configuration, except its connection factory
	 * @param connectionFactory the factory that opens connections
	 * @param limits how long acquisitions may wait
	 * @param timer times acquisitions, or {@code null} for none
	 * @return the pool
	 */
	static FluxgateConnectionPool of(ConnectionPoolConfiguration.Builder builder, ConnectionFactory connectionFactory,
			AcquireLimits limits, @Nullable AcquireTimer timer) {
		ConnectionCreations creations = new ConnectionCreations(connectionFactory);
		builder.connectionFactory(creations)
			.postAllocate(Acquisition::handedOver)
			.maxAcquireTime(null)
			.acquireRetry(0)
			.maxCreateConnectionTime(limits.maxCreateConnectionTime());
		return new FluxgateConnectionPool(builder.build(), connectionFactory, creations, limits, timer);
	}

	@Override
	public Mono<Connection> create() {
		return this.acquisition;
	}

	/**
	 * The connection factory that opens the pool's connections, as given to the pool.
	 * @return the factory
	 */
	@Override
	public ConnectionFactory unwrap() {
		return this.connectionFactory;
	}

	AcquireLimits limits() {
		return this.limits;
	}

	private Mono<Connection> attempt() {
		int pending = pending();
		this.standing.observe(pending);
		if (this.limits.maxAcquireTime() != null && this.standing.refusesBehind(pending)) {
			return Mono.error(tooManyWaiting(pending));
		}
		Acquisition acquisition = new Acquisition();
		Mono<Connection> connection = super.create().contextWrite(acquisition::addTo).doOnNext((handedOver) -> {
			this.standing.departed();
			this.standing.observe(pending());
		});
		if (this.limits.maxAcquireTime() != null) {
			Duration wait = this.standing.maxWait(this.limits.maxAcquireTime());
			connection = connection
				.timeout(queueWait(acquisition, wait), Mono.defer(() -> Mono.error(acquisition.failure())))
				.contextWrite(FluxgateConnectionPool::closeDroppedConnections);
		}
		return connection.onErrorMap((ex) -> !(ex instanceof OverloadException), (ex) -> failure(ex, acquisition));
	}

	/** Emits when a queued attempt should give up; never while it waits for something with its own bound. */
	private Mono<Long> queueWait(Acquisition acquisition, Duration wait) {
		return Mono.delay(wait).flatMap((tick) -> afterWait(acquisition, wait, -1));
	}

	private Mono<Long> afterWait(Acquisition acquisition, Duration waited, long openedBefore) {
		if (!acquisition.isQueued()) {
			return Mono.never();
		}
		if (opening() <= 0) {
			acquisition.fail((waited.equals(this.limits.maxAcquireTime())) ? exhausted(waited) : standing(waited));
			return Mono.just(0L);
		}
		long opened = this.creations.opened();
		if (openedBefore >= 0 && opened == openedBefore) {
			acquisition.fail(openingStalled());
			return Mono.just(0L);
		}
		return Mono.delay(this.limits.creationCheckPeriod())
			.flatMap((tick) -> afterWait(acquisition, this.limits.maxAcquireTime(), opened));
	}

	/**
	 * Connections the pool has committed to but that are neither in use nor idle: being opened, for a borrower or
	 * for the pool's warm-up (under way, or queued behind the creation that triggered it: reactor-pool warms up one
	 * connection at a time).
	 */
	private int pending() {
		return getMetrics().map(PoolMetrics::pendingAcquireSize).orElse(0);
	}

	private int opening() {
		return getMetrics().map(FluxgateConnectionPool::opening).orElse(0);
	}

	private static int opening(PoolMetrics metrics) {
		return metrics.allocatedSize() - metrics.acquiredSize() - metrics.idleSize();
	}

	/**
	 * Boot's {@code acquire-retry} repeats an attempt that found the pool busy or got a connection that failed
	 * validation, as r2dbc-pool does, but not one that could not open a connection: that waited its creation
	 * timeout already, and the database is unlikely to answer the next one sooner; nor one refused because the queue
	 * stands: the next attempt would join the same queue and only double the refusal's wait.
	 */
	private static boolean isRetryable(Throwable ex) {
		return !(ex instanceof StandingRefusal)
				&& !(ex instanceof CapacityExceededException capacity && UNAVAILABLE.equals(capacity.getReason()));
	}

	private Throwable failure(Throwable ex, Acquisition acquisition) {
		if (ex instanceof PoolAcquirePendingLimitException) {
			return queueFull(ex);
		}
		if (acquisition.isCreationFailure() && !(ex instanceof PoolShutdownException)) {
			return creationFailed(ex);
		}
		return ex;
	}

	private CapacityExceededException exhausted(Duration waited) {
		return new CapacityExceededException(EXHAUSTED,
				"No database connection became free within spring.r2dbc.pool.max-acquire-time ("
						+ format(waited) + "): all connections are busy. " + poolState()
						+ " See spring.r2dbc.pool.max-size, the queries holding connections, and /actuator/concurrency.",
				RETRY_AFTER, new QueueTimeout(waited));
	}

	private CapacityExceededException standing(Duration waited) {
		this.standing.refused();
		return new StandingRefusal(
				"No database connection became free within fluxgate.r2dbc.pool.queue-target (" + format(waited)
						+ "): requests have been waiting for longer than fluxgate.r2dbc.pool.queue-interval ("
						+ format(this.limits.queueInterval()) + "), faster than connections free up. " + poolState()
						+ " See spring.r2dbc.pool.max-size, the queries holding connections, and /actuator/concurrency.",
				new QueueTimeout(waited));
	}

	private CapacityExceededException tooManyWaiting(int pending) {
		return new StandingRefusal(
				"No database connection would become free within fluxgate.r2dbc.pool.queue-target ("
						+ format(this.limits.queueTarget()) + ") for the " + pending
						+ " requests already waiting, at the pace connections have been freed: requests have been "
						+ "waiting for longer than fluxgate.r2dbc.pool.queue-interval ("
						+ format(this.limits.queueInterval()) + "). " + poolState()
						+ " See spring.r2dbc.pool.max-size, the queries holding connections, and /actuator/concurrency.");
	}

	private CapacityExceededException queueFull(Throwable cause) {
		return new CapacityExceededException(EXHAUSTED,
				"No database connection is free and the wait queue is full "
						+ "(fluxgate.r2dbc.pool.max-pending-acquire). " + poolState()
						+ " See spring.r2dbc.pool.max-size and /actuator/concurrency.",
				RETRY_AFTER, cause);
	}

	private CapacityExceededException creationFailed(Throwable cause) {
		String limit = format(this.limits.maxCreateConnectionTime());
		String what = isTimeout(cause)
				? "did not complete within spring.r2dbc.pool.max-create-connection-time (" + limit + ")"
				: "failed: " + describe(cause) + " (spring.r2dbc.pool.max-create-connection-time is " + limit + ")";
		return new CapacityExceededException(UNAVAILABLE,
				"Opening a new database connection " + what + ". The database is slow or unreachable. " + poolState(),
				DependencyFailure.UNAVAILABLE_RETRY_AFTER, cause);
	}

	private CapacityExceededException openingStalled() {
		@Nullable Throwable last = this.creations.lastFailure();
		return new CapacityExceededException(UNAVAILABLE,
				"No database connection: the pool is opening connections but none completed in "
						+ format(this.limits.creationCheckPeriod()) + " (spring.r2dbc.pool.max-create-connection-time is "
						+ format(this.limits.maxCreateConnectionTime()) + ")"
						+ ((last != null) ? ", last failure: " + describe(last) : "")
						+ ". The database is slow or unreachable. " + poolState(),
				DependencyFailure.UNAVAILABLE_RETRY_AFTER, last);
	}

	private String poolState() {
		return getMetrics().map((metrics) -> "Pool: " + describe(metrics) + ".").orElse("");
	}

	static String describe(PoolMetrics metrics) {
		return metrics.acquiredSize() + " of max-size " + metrics.getMaxAllocatedSize() + " in use, "
				+ metrics.idleSize() + " idle, " + Math.max(0, opening(metrics)) + " being opened, "
				+ metrics.pendingAcquireSize()
				+ " waiting";
	}

	private static String describe(Throwable ex) {
		String message = ex.getMessage();
		return (message != null && !message.isBlank()) ? message : ex.getClass().getSimpleName();
	}

	private static boolean isTimeout(Throwable ex) {
		return ex instanceof TimeoutException || ex instanceof R2dbcTimeoutException;
	}

	private static String format(@Nullable Duration duration) {
		return ConcurrencySettingsCollector.format(duration);
	}

	/**
	 * A connection that arrives just after the attempt gave up goes back to the pool, as in r2dbc-pool. A refusal
	 * that comes just after the caller went away (a client that disconnected) has nobody to tell: it is not logged,
	 * so an overloaded pool never writes a stack trace per request.
	 */
	private static Context closeDroppedConnections(Context context) {
		Consumer<Object> close = (dropped) -> {
			if (dropped instanceof Connection connection) {
				Mono.from(connection.close()).subscribe();
			}
		};
		@Nullable Consumer<Object> existing = context.getOrDefault(ON_NEXT_DROPPED, null);
		@Nullable Consumer<Throwable> existingErrors = context.getOrDefault(ON_ERROR_DROPPED, null);
		Consumer<Throwable> quietRefusals = (ex) -> {
			if (ex instanceof OverloadException) {
				return;
			}
			if (existingErrors != null) {
				existingErrors.accept(ex);
			}
			else {
				Operators.onErrorDropped(ex, Context.empty());
			}
		};
		return context.put(ON_NEXT_DROPPED, (existing != null) ? close.andThen(existing) : close)
			.put(ON_ERROR_DROPPED, quietRefusals);
	}

	/**
	 * A refusal because the queue stands; {@code acquire-retry} does not repeat it.
	 */
	private static final class StandingRefusal extends CapacityExceededException {

		StandingRefusal(String detail) {
			super(EXHAUSTED, detail, RETRY_AFTER);
		}

		StandingRefusal(String detail, Throwable cause) {
			super(EXHAUSTED, detail, RETRY_AFTER, cause);
		}

	}

	/**
	 * The wait that ran out, as the pool's own timeout would report it; no stack trace: it is the cause of a refusal,
	 * never thrown on its own.
	 */
	private static final class QueueTimeout extends R2dbcTimeoutException {

		QueueTimeout(Duration waited) {
			super("Connection acquisition timed out after " + waited.toMillis() + "ms");
		}

		@Override
		public synchronized Throwable fillInStackTrace() {
			return this;
		}

	}

	/**
	 * How long acquisitions may wait. A {@code null} duration is no limit.
	 *
	 * @param maxAcquireTime the wait in the queue for a busy pool, per attempt
	 * @param maxCreateConnectionTime the time to open one connection
	 * @param acquireRetry how many more attempts after a failed one
	 * @param queueTarget the wait in the queue once it stands
	 * @param queueInterval how long the queue must stay non-empty to stand
	 */
	record AcquireLimits(@Nullable Duration maxAcquireTime, @Nullable Duration maxCreateConnectionTime,
			int acquireRetry, Duration queueTarget, Duration queueInterval) {

		AcquireLimits {
			maxAcquireTime = limitOrNull(maxAcquireTime);
			maxCreateConnectionTime = limitOrNull(maxCreateConnectionTime);
		}

		AcquireLimits(@Nullable Duration maxAcquireTime, @Nullable Duration maxCreateConnectionTime, int acquireRetry) {
			this(maxAcquireTime, maxCreateConnectionTime, acquireRetry, StandingQueue.DEFAULT_TARGET,
					StandingQueue.DEFAULT_INTERVAL);
		}

		/**
		 * The limits of Boot's properties, with Fluxgate's {@code max-acquire-time} when none is set: it is not an
		 * environment default, because only this pool gives it the meaning that is safe (see
		 * {@link BootPropertyDefaults#R2DBC_MAX_ACQUIRE_TIME}).
		 * @param pool Boot's pool properties
		 * @param queue Fluxgate's pool properties
		 * @return the limits
		 */
		static AcquireLimits of(R2dbcProperties.Pool pool, FluxgateR2dbcProperties.Pool queue) {
			Duration maxAcquireTime = (pool.getMaxAcquireTime() != null) ? pool.getMaxAcquireTime()
					: BootPropertyDefaults.R2DBC_MAX_ACQUIRE_TIME;
			return new AcquireLimits(maxAcquireTime, pool.getMaxCreateConnectionTime(), pool.getAcquireRetry(),
					queue.getQueueTarget(), queue.getQueueInterval());
		}

		/** How often a queued attempt checks that the pool's warm-up still makes progress. */
		@Nullable Duration creationCheckPeriod() {
			return (this.maxCreateConnectionTime != null) ? this.maxCreateConnectionTime : this.maxAcquireTime;
		}

		private static @Nullable Duration limitOrNull(@Nullable Duration duration) {
			return (duration != null && !duration.isNegative()) ? duration : null;
		}

	}

}

package dev.fluxgate.deadline.r2dbc;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

import dev.fluxgate.deadline.Deadline;
import dev.fluxgate.overload.DeadlineExceededException;
import io.r2dbc.spi.Batch;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryMetadata;
import io.r2dbc.spi.ConnectionMetadata;
import io.r2dbc.spi.IsolationLevel;
import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcTimeoutException;
import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Row;
import io.r2dbc.spi.RowMetadata;
import io.r2dbc.spi.Statement;
import io.r2dbc.spi.TransactionDefinition;
import io.r2dbc.spi.ValidationDepth;
import io.r2dbc.spi.Wrapped;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Caps the statement timeout of every R2DBC statement by the deadline of the request it runs for: a statement gets
 * {@code min(remaining - 25 ms, statement timeout)}, so the database itself cancels a query the caller will no
 * longer wait for (PostgreSQL: {@code statement_timeout}), and its connection is free again when the request gives
 * up. A statement whose request has no time left is not sent.
 * <p>
 * Decorates the physical connection factory (below the pool), so it works with any pool and with Spring's
 * transaction management. It only talks to the database when it has to: when the capped timeout is shorter than
 * the connection's current one, and once more on the connection's next statement to restore the base timeout. A
 * request with more time left than the statement timeout costs nothing. The base timeout is the one the
 * application configured (and re-set by {@code Connection#setStatementTimeout}); if a transaction that shortened the
 * timeout rolls back, the database restores the earlier value and this decorator re-applies what it needs on the
 * next statement.
 */
public final class DeadlineAwareConnectionFactory implements ConnectionFactory, Wrapped<ConnectionFactory> {

	private static final Logger logger = LoggerFactory.getLogger(DeadlineAwareConnectionFactory.class);

	/**
	 * The database's timeout is set this much shorter than what remains, so it usually fires before the request's
	 * own timer (the time to send the timeout and the statement counts against it). The statement then fails through
	 * the ordinary error path, mapped to a {@link DeadlineExceededException}, instead of being cancelled mid-protocol,
	 * after which r2dbc-postgresql reports the database's late error as dropped (an ERROR log line).
	 */
	static final Duration DATABASE_LEAD = Duration.ofMillis(25);

	private final ConnectionFactory delegate;

	private final Duration baseTimeout;

	/**
	 * A decorator.
	 * @param delegate the factory to decorate
	 * @param baseTimeout the statement timeout connections are created with; {@link Duration#ZERO} for none
	 */
	public DeadlineAwareConnectionFactory(ConnectionFactory delegate, Duration baseTimeout) {
		this.delegate = delegate;
		this.baseTimeout = baseTimeout;
	}

	@Override
	public Publisher<? extends Connection> create() {
		return Mono.from(this.delegate.create())
			.map((connection) -> new DeadlineAwareConnection(connection, this.baseTimeout));
	}

	@Override
	public ConnectionFactoryMetadata getMetadata() {
		return this.delegate.getMetadata();
	}

	@Override
	public ConnectionFactory unwrap() {
		return this.delegate;
	}

	static final class DeadlineAwareConnection implements Connection, Wrapped<Connection> {

		private final Connection delegate;

		private volatile Duration base;

		/** The timeout the connection has now, as far as this decorator knows. */
		private volatile @Nullable Duration applied;

		DeadlineAwareConnection(Connection delegate, Duration base) {
			this.delegate = delegate;
			this.base = base;
			this.applied = base;
		}

		/** The execution is created only once the timeout is in place: drivers may start work when asked for it. */
		Flux<Result> withDeadline(Supplier<Publisher<? extends Result>> execution) {
			return Flux.deferContextual((context) -> {
				Duration wanted = timeoutFor(Deadline.current(context));
				if (wanted != null && (wanted.isNegative() || wanted.isZero())) {
					return Flux.error(new DeadlineExceededException(
							"No time left of the request's deadline for a database statement"));
				}
				Duration target = (wanted != null) ? wanted : this.base;
				Flux<Result> statement = target.equals(this.applied) ? Flux.from(execution.get())
						: Mono.from(this.delegate.setStatementTimeout(target))
							.doOnSuccess((done) -> this.applied = target)
							.onErrorResume((ex) -> {
								logger.debug("Could not set the statement timeout to {}", target, ex);
								return Mono.empty();
							})
							.thenMany(Flux.defer(() -> Flux.from(execution.get())));
				// Drivers report a statement's errors when its results are consumed, not from execute().
				return (wanted != null) ? deadlineErrors(statement).map(DeadlineMappedResult::new) : statement;
			});
		}

		static <T> Flux<T> deadlineErrors(Flux<T> publisher) {
			return publisher.onErrorMap(DeadlineAwareConnection::isStatementTimeout,
					(ex) -> new DeadlineExceededException(
							"A database statement did not complete within the request's deadline", ex));
		}

		/** PostgreSQL reports statement_timeout as SQLSTATE 57014 (query_canceled); other drivers as a timeout. */
		private static boolean isStatementTimeout(Throwable ex) {
			return ex instanceof R2dbcTimeoutException
					|| (ex instanceof R2dbcException r2dbc && "57014".equals(r2dbc.getSqlState()));
		}

		/** None when the base timeout applies. */
		private @Nullable Duration timeoutFor(Optional<Deadline> deadline) {
			if (deadline.isEmpty()) {
				return null;
			}
			Duration remaining = deadline.get().remaining().minus(DATABASE_LEAD);
			if (remaining.toMillis() < 1) {
				return Duration.ZERO;
			}
			boolean shorter = this.base.isZero() || remaining.compareTo(this.base) < 0;
			// Whole milliseconds: databases take milliseconds, and it keeps "same value" comparisons stable.
			return shorter ? Duration.ofMillis(remaining.toMillis()) : null;
		}

		@Override
		public Statement createStatement(String sql) {
			return new DeadlineAwareStatement(this.delegate.createStatement(sql), this);
		}

		@Override
		public Batch createBatch() {
			Batch batch = this.delegate.createBatch();
			return new Batch() {
				@Override
				public Batch add(String sql) {
					batch.add(sql);
					return this;
				}

				@Override
				public Publisher<? extends Result> execute() {
					return withDeadline(batch::execute);
				}
			};
		}

		@Override
		public Publisher<Void> setStatementTimeout(Duration timeout) {
			return Mono.from(this.delegate.setStatementTimeout(timeout)).doOnSuccess((done) -> {
				this.base = timeout;
				this.applied = timeout;
			});
		}

		@Override
		public Publisher<Void> beginTransaction() {
			return this.delegate.beginTransaction();
		}

		@Override
		public Publisher<Void> beginTransaction(TransactionDefinition definition) {
			return this.delegate.beginTransaction(definition);
		}

		@Override
		public Publisher<Void> close() {
			return this.delegate.close();
		}

		@Override
		public Publisher<Void> commitTransaction() {
			return this.delegate.commitTransaction();
		}

		@Override
		public Publisher<Void> createSavepoint(String name) {
			return this.delegate.createSavepoint(name);
		}

		@Override
		public boolean isAutoCommit() {
			return this.delegate.isAutoCommit();
		}

		@Override
		public ConnectionMetadata getMetadata() {
			return this.delegate.getMetadata();
		}

		@Override
		public IsolationLevel getTransactionIsolationLevel() {
			return this.delegate.getTransactionIsolationLevel();
		}

		@Override
		public Publisher<Void> releaseSavepoint(String name) {
			return this.delegate.releaseSavepoint(name);
		}

		@Override
		public Publisher<Void> rollbackTransaction() {
			// A rollback restores a statement timeout set inside the transaction: re-apply on the next statement.
			return Mono.from(this.delegate.rollbackTransaction()).doFinally((signal) -> this.applied = null);
		}

		@Override
		public Publisher<Void> rollbackTransactionToSavepoint(String name) {
			return Mono.from(this.delegate.rollbackTransactionToSavepoint(name))
				.doFinally((signal) -> this.applied = null);
		}

		@Override
		public Publisher<Void> setAutoCommit(boolean autoCommit) {
			return this.delegate.setAutoCommit(autoCommit);
		}

		@Override
		public Publisher<Void> setLockWaitTimeout(Duration timeout) {
			return this.delegate.setLockWaitTimeout(timeout);
		}

		@Override
		public Publisher<Void> setTransactionIsolationLevel(IsolationLevel isolationLevel) {
			return this.delegate.setTransactionIsolationLevel(isolationLevel);
		}

		@Override
		public Publisher<Boolean> validate(ValidationDepth depth) {
			return this.delegate.validate(depth);
		}

		@Override
		public Connection unwrap() {
			return this.delegate;
		}

	}

	/** A result of a deadline-capped statement: a statement timeout surfaces as a deadline error. */
	static final class DeadlineMappedResult implements Result, Wrapped<Result> {

		private final Result delegate;

		DeadlineMappedResult(Result delegate) {
			this.delegate = delegate;
		}

		@Override
		public Publisher<Long> getRowsUpdated() {
			return DeadlineAwareConnection.deadlineErrors(Flux.from(this.delegate.getRowsUpdated()));
		}

		@Override
		public <T> Publisher<T> map(BiFunction<Row, RowMetadata, ? extends T> mappingFunction) {
			return DeadlineAwareConnection.deadlineErrors(Flux.from(this.delegate.map(mappingFunction)));
		}

		@Override
		public <T> Publisher<T> map(Function<? super Readable, ? extends T> mappingFunction) {
			return DeadlineAwareConnection.deadlineErrors(Flux.from(this.delegate.map(mappingFunction)));
		}

		@Override
		public Result filter(Predicate<Segment> filter) {
			return new DeadlineMappedResult(this.delegate.filter(filter));
		}

		@Override
		public <T> Publisher<T> flatMap(Function<Segment, ? extends Publisher<? extends T>> mappingFunction) {
			return DeadlineAwareConnection.deadlineErrors(Flux.from(this.delegate.flatMap(mappingFunction)));
		}

		@Override
		public Result unwrap() {
			return this.delegate;
		}

	}

	static final class DeadlineAwareStatement implements Statement, Wrapped<Statement> {

		private final Statement delegate;

		private final DeadlineAwareConnection connection;

		DeadlineAwareStatement(Statement delegate, DeadlineAwareConnection connection) {
			this.delegate = delegate;
			this.connection = connection;
		}

		@Override
		public Statement add() {
			this.delegate.add();
			return this;
		}

		@Override
		public Statement bind(int index, Object value) {
			this.delegate.bind(index, value);
			return this;
		}

		@Override
		public Statement bind(String name, Object value) {
			this.delegate.bind(name, value);
			return this;
		}

		@Override
		public Statement bindNull(int index, Class<?> type) {
			this.delegate.bindNull(index, type);
			return this;
		}

		@Override
		public Statement bindNull(String name, Class<?> type) {
			this.delegate.bindNull(name, type);
			return this;
		}

		@Override
		public Statement returnGeneratedValues(String... columns) {
			this.delegate.returnGeneratedValues(columns);
			return this;
		}

		@Override
		public Statement fetchSize(int rows) {
			this.delegate.fetchSize(rows);
			return this;
		}

		@Override
		public Publisher<? extends Result> execute() {
			return this.connection.withDeadline(this.delegate::execute);
		}

		@Override
		public Statement unwrap() {
			return this.delegate;
		}

	}

}

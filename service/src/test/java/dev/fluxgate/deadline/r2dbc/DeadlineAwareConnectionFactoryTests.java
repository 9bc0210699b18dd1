package dev.fluxgate.deadline.r2dbc;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import dev.fluxgate.deadline.Deadline;
import dev.fluxgate.overload.DeadlineExceededException;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The statement-timeout bookkeeping of {@link DeadlineAwareConnectionFactory} against a recording fake driver: it
 * only talks to the database when the deadline is shorter than the base timeout, restores the base afterwards, and
 * never sends a statement that has no time left. The real PostgreSQL behaviour is covered by
 * {@code RequestDeadlineR2dbcIntegrationTests}.
 */
class DeadlineAwareConnectionFactoryTests {

	private static final Duration BASE = Duration.ofSeconds(10);

	private final List<Duration> timeoutsSet = new CopyOnWriteArrayList<>();

	private final AtomicInteger executions = new AtomicInteger();

	private volatile RuntimeException failure;

	private final Connection connection = connection();

	@Test
	void statementsWithoutADeadlineOrWithTimeToSpareCostNothingExtra() {
		execute(null);
		execute(Deadline.after(Duration.ofSeconds(30)));
		assertThat(this.timeoutsSet).isEmpty();
		assertThat(this.executions).hasValue(2);
	}

	@Test
	void aShortDeadlineShortensTheTimeoutAndTheNextStatementGetsTheBaseBack() {
		execute(Deadline.after(Duration.ofSeconds(2)));
		execute(null);
		assertThat(this.timeoutsSet).hasSize(2);
		assertThat(this.timeoutsSet.get(0)).isBetween(Duration.ofMillis(1), Duration.ofMillis(1975));
		assertThat(this.timeoutsSet.get(1)).isEqualTo(BASE);
	}

	@Test
	void noStatementIsSentWhenNoTimeIsLeft() {
		StepVerifier.create(Flux.from(this.connection.createStatement("SELECT 1").execute())
			.contextWrite(Deadline.after(Duration.ofMillis(5))::putIn))
			.expectError(DeadlineExceededException.class)
			.verify(Duration.ofSeconds(5));
		assertThat(this.executions).hasValue(0);
	}

	@Test
	void aStatementTimeoutUnderADeadlineIsADeadlineError() {
		this.failure = new R2dbcNonTransientResourceException("canceling statement due to statement timeout",
				"57014");
		StepVerifier.create(Flux.from(this.connection.createStatement("SELECT pg_sleep(10)").execute())
			.flatMap(Result::getRowsUpdated)
			.contextWrite(Deadline.after(Duration.ofSeconds(1))::putIn))
			.expectError(DeadlineExceededException.class)
			.verify(Duration.ofSeconds(5));
	}

	private void execute(Deadline deadline) {
		Flux<Long> rows = Flux.from(this.connection.createStatement("SELECT 1").execute())
			.flatMap(Result::getRowsUpdated);
		(deadline != null ? rows.contextWrite(deadline::putIn) : rows).blockLast(Duration.ofSeconds(5));
	}

	private Connection connection() {
		Statement statement = proxy(Statement.class, (method, args) -> switch (method) {
			case "execute" -> Flux.defer(() -> {
				this.executions.incrementAndGet();
				return Flux.just(result());
			});
			default -> null;
		});
		Connection fake = proxy(Connection.class, (method, args) -> switch (method) {
			case "createStatement" -> statement;
			case "setStatementTimeout" -> Mono.fromRunnable(() -> this.timeoutsSet.add((Duration) args[0]));
			default -> Mono.empty();
		});
		ConnectionFactory factory = proxy(ConnectionFactory.class,
				(method, args) -> "create".equals(method) ? Mono.just(fake) : null);
		return Mono.from(new DeadlineAwareConnectionFactory(factory, BASE).create()).block();
	}

	private Result result() {
		return proxy(Result.class, (method, args) -> switch (method) {
			case "getRowsUpdated" -> (this.failure != null) ? Mono.error(this.failure) : Mono.just(1L);
			default -> null;
		});
	}

	@SuppressWarnings("unchecked")
	private static <T> T proxy(Class<T> type, FakeMethod behaviour) {
		return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] { type },
				(instance, method, args) -> behaviour.invoke(method.getName(), args));
	}

	@FunctionalInterface
	interface FakeMethod {

		Object invoke(String method, Object[] args);

	}

}

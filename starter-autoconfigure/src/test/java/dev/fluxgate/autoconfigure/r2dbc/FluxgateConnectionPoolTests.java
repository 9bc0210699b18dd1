package dev.fluxgate.autoconfigure.r2dbc;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import dev.fluxgate.autoconfigure.r2dbc.FluxgateConnectionPool.AcquireLimits;
import dev.fluxgate.overload.CapacityExceededException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryMetadata;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A real r2dbc-pool over H2 in memory, with connections that open as slowly as a test needs: a queued acquisition
 * waits {@code max-acquire-time} for a busy pool only; opening a connection is bounded by
 * {@code max-create-connection-time}; each failure says which one happened. Durations are far apart, so a busy
 * machine does not change the outcome.
 */
class FluxgateConnectionPoolTests {

	private final List<Disposable> cleanup = new ArrayList<>();

	@AfterEach
	void cleanUp() {
		this.cleanup.forEach(Disposable::dispose);
	}

	@Test
	void acquisitionsAreTimedByOutcome() {
		AcquireTimer timer = new AcquireTimer("connectionFactory");
		FluxgateConnectionPool pool = pool(h2(), 1, 1, new AcquireLimits(Duration.ofMillis(500), null, 0), timer);
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		timer.bindTo(registry);
		// Open the pool's only connection first, so the timed acquisitions measure waiting, not connecting.
		pool.warmup().block(Duration.ofSeconds(10));
		Connection held = pool.create().block(Duration.ofSeconds(5));
		assertThatThrownBy(() -> pool.create().block(Duration.ofSeconds(5)))
			.isInstanceOf(CapacityExceededException.class)
			.hasRootCauseInstanceOf(R2dbcTimeoutException.class)
			.satisfies((ex) -> {
				CapacityExceededException exhausted = (CapacityExceededException) ex;
				assertThat(exhausted.getReason()).isEqualTo("db-pool-exhausted");
				assertThat(exhausted.getStatusCode().value()).isEqualTo(503);
				assertThat(exhausted.getHeaders().getFirst("Retry-After")).isEqualTo("1");
			});
		Mono.from(held.close()).block(Duration.ofSeconds(5));

		assertThat(registry.get(AcquireTimer.METER).tag("outcome", "success").timer().count()).isEqualTo(1);
		assertThat(registry.get(AcquireTimer.METER).tag("outcome", "timeout").timer().count()).isEqualTo(1);
		assertThat(registry.get(AcquireTimer.METER).tag("outcome", "timeout").timer().totalTime(TimeUnit.MILLISECONDS))
			.isGreaterThanOrEqualTo(400);
		assertThat(registry.get(AcquireTimer.METER).tag("name", "connectionFactory").timers()).hasSize(4);
	}

	@Test
	void connectionSlowerToOpenThanMaxAcquireTimeIsWaitedFor() {
		FluxgateConnectionPool pool = pool(opening(Duration.ofMillis(800)), 1, 1,
				new AcquireLimits(Duration.ofMillis(100), Duration.ofSeconds(20), 0), null);
		Connection connection = pool.create().block(Duration.ofSeconds(30));
		assertThat(connection).isNotNull();
		Mono.from(connection.close()).block(Duration.ofSeconds(5));
	}

	@Test
	void queuedAcquisitionsWaitForTheWarmUpTheFirstOneStarted() {
		// initial-size 3: the first acquisition opens its connection, then the pool opens two more, one at a time;
		// the other two acquisitions wait for those, well past max-acquire-time.
		FluxgateConnectionPool pool = pool(opening(Duration.ofMillis(500)), 3, 3,
				new AcquireLimits(Duration.ofMillis(100), Duration.ofSeconds(20), 0), null);
		List<Connection> connections = Flux.range(0, 3)
			.flatMap((i) -> pool.create())
			.collectList()
			.block(Duration.ofSeconds(60));
		assertThat(connections).hasSize(3).doesNotHaveDuplicates();
		Flux.fromIterable(connections).flatMap(Connection::close).blockLast(Duration.ofSeconds(5));
	}

	@Test
	void queuedAcquisitionWaitsForAConnectionOpenedForAnother() {
		// The first connection opens at once, the next one takes 800 ms and is used only briefly.
		FluxgateConnectionPool pool = pool(opening(Duration.ZERO, Duration.ofMillis(800)), 1, 2,
				new AcquireLimits(Duration.ofMillis(100), Duration.ofSeconds(20), 0), null);
		Connection held = pool.create().block(Duration.ofSeconds(10));
		this.cleanup.add(pool.create().flatMap((connection) -> Mono.from(connection.close())).subscribe());
		Connection next = pool.create().block(Duration.ofSeconds(30));
		assertThat(next).isNotNull();
		Flux.just(held, next).flatMap(Connection::close).blockLast(Duration.ofSeconds(5));
	}

	@Test
	void busyPoolFailsFastNamingItsConnections() {
		FluxgateConnectionPool pool = pool(h2(), 2, 2,
				new AcquireLimits(Duration.ofMillis(100), Duration.ofSeconds(20), 0), null);
		List<Connection> held = Flux.range(0, 2).flatMap((i) -> pool.create()).collectList().block(Duration.ofSeconds(30));
		long start = System.nanoTime();
		assertThatThrownBy(() -> pool.create().block(Duration.ofSeconds(30)))
			.isInstanceOfSatisfying(CapacityExceededException.class, (ex) -> {
				assertThat(ex.getReason()).isEqualTo("db-pool-exhausted");
				assertThat(ex.getMessage())
					.contains("No database connection became free within spring.r2dbc.pool.max-acquire-time (100ms)")
					.contains("all connections are busy")
					.contains("2 of max-size 2 in use, 0 idle, 0 being opened, 1 waiting");
			});
		// Generous: it waits 100 ms, nothing like max-create-connection-time (20 s).
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
		Flux.fromIterable(held).flatMap(Connection::close).blockLast(Duration.ofSeconds(5));
	}

	@Test
	void connectionThatCannotBeOpenedInTimeIsDbUnavailable() {
		AcquireTimer timer = new AcquireTimer("connectionFactory");
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		timer.bindTo(registry);
		FluxgateConnectionPool pool = pool(opening(Duration.ofSeconds(30)), 1, 1,
				new AcquireLimits(Duration.ofMillis(100), Duration.ofMillis(300), 0), timer);
		assertThatThrownBy(() -> pool.create().block(Duration.ofSeconds(30)))
			.isInstanceOfSatisfying(CapacityExceededException.class, (ex) -> {
				assertThat(ex.getReason()).isEqualTo("db-unavailable");
				assertThat(ex.getStatusCode().value()).isEqualTo(503);
				// The same Retry-After as every other unreachable database: an outage lasts longer than a busy pool.
				assertThat(ex.getHeaders().getFirst("Retry-After")).isEqualTo("5");
				assertThat(ex.getMessage()).contains(
						"Opening a new database connection did not complete within "
								+ "spring.r2dbc.pool.max-create-connection-time (300ms)");
			})
			.hasRootCauseInstanceOf(TimeoutException.class);
		assertThat(registry.get(AcquireTimer.METER).tag("outcome", "error").timer().count()).isEqualTo(1);
		assertThat(registry.get(AcquireTimer.METER).tag("outcome", "timeout").timer().count()).isZero();
	}

	@Test
	void refusedConnectionIsDbUnavailableWithItsCause() {
		ConnectionFactory refusing = new TestConnectionFactory(() -> Mono
			.error(new R2dbcNonTransientResourceException("Connection refused: /127.0.0.1:1")));
		FluxgateConnectionPool pool = pool(refusing, 1, 1,
				new AcquireLimits(Duration.ofSeconds(1), Duration.ofSeconds(5), 1), null);
		assertThatThrownBy(() -> pool.create().block(Duration.ofSeconds(30)))
			.isInstanceOfSatisfying(CapacityExceededException.class, (ex) -> {
				assertThat(ex.getReason()).isEqualTo("db-unavailable");
				assertThat(ex.getMessage())
					.contains("Opening a new database connection failed: Connection refused: /127.0.0.1:1 "
							+ "(spring.r2dbc.pool.max-create-connection-time is 5s)");
			})
			.hasCauseInstanceOf(R2dbcNonTransientResourceException.class);
	}

	@Test
	void warmUpThatOpensNothingFailsQueuedAcquisitionsAsDbUnavailable() {
		ConnectionFactory hanging = new TestConnectionFactory(Mono::never);
		FluxgateConnectionPool pool = pool(hanging, 3, 3,
				new AcquireLimits(Duration.ofMillis(100), Duration.ofSeconds(1), 0), null);
		// Subscribed in this order, so the first one opens a connection and the others queue behind it.
		List<CompletableFuture<String>> outcomes = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			outcomes.add(pool.create()
				.map((connection) -> "connected")
				.onErrorResume(CapacityExceededException.class,
						(ex) -> Mono.just(ex.getReason() + ": " + ex.getMessage()))
				.toFuture()
				.orTimeout(60, TimeUnit.SECONDS));
		}
		List<String> messages = outcomes.stream().map(CompletableFuture::join).toList();
		assertThat(messages).allSatisfy((message) -> assertThat(message).startsWith("db-unavailable: "));
		// The first opened its own connection and the timeout cut it; the others waited for the warm-up it started.
		assertThat(messages.get(0)).contains("did not complete within spring.r2dbc.pool.max-create-connection-time (1s)");
		assertThat(messages.subList(1, 3)).allSatisfy((message) -> assertThat(message)
			.contains("the pool is opening connections but none completed in 1s"));
	}

	@Test
	void onceTheQueueStandsANewWaitIsCutToTheQueueTarget() throws Exception {
		// max-acquire-time 30 s; a queue that stands (here: at once, after two hand-overs while it was non-empty) lets
		// a new wait last 500 ms. (The two hand-overs come milliseconds apart, so the one waiter ahead does not make
		// the new attempt look hopeless on arrival: that is the next test.)
		FluxgateConnectionPool pool = pool(h2(), 1, 1,
				new AcquireLimits(Duration.ofSeconds(30), null, 0, Duration.ofMillis(500), Duration.ZERO), null);
		pool.warmup().block(Duration.ofSeconds(10));
		Connection held = pool.create().block(Duration.ofSeconds(5));
		CompletableFuture<Connection> first = pool.create().toFuture();
		CompletableFuture<Connection> second = pool.create().toFuture();
		CompletableFuture<Connection> third = pool.create().toFuture();
		Mono.from(held.close()).block(Duration.ofSeconds(5));
		Mono.from(first.get(10, TimeUnit.SECONDS).close()).block(Duration.ofSeconds(5));
		Connection handedOver = second.get(10, TimeUnit.SECONDS);

		long start = System.nanoTime();
		assertThatThrownBy(() -> pool.create().block(Duration.ofSeconds(20)))
			.isInstanceOf(CapacityExceededException.class)
			.hasRootCauseInstanceOf(R2dbcTimeoutException.class)
			.satisfies((ex) -> {
				CapacityExceededException exhausted = (CapacityExceededException) ex;
				assertThat(exhausted.getReason()).isEqualTo("db-pool-exhausted");
				assertThat(exhausted.getMessage()).contains("fluxgate.r2dbc.pool.queue-target (500ms)");
				assertThat(exhausted.getHeaders().getFirst("Retry-After")).isEqualTo("1");
				assertThat(exhausted.getStackTrace()).as("a refusal is cheap").isEmpty();
				assertThat(exhausted.getCause().getStackTrace()).isEmpty();
			});
		// Far below the 30 s the wait would otherwise have lasted, however slow the machine.
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
		third.cancel(true);
		Mono.from(handedOver.close()).block(Duration.ofSeconds(5));
	}

	@Test
	void onceTheQueueStandsAnAttemptThatWouldWaitLongerThanTheTargetIsRefusedOnArrival() throws Exception {
		// One connection, handed over 150 ms or more after the last while others wait: one waiter ahead is already
		// more than the 50 ms target, so a new attempt is refused at once instead of waiting the 30 s
		// max-acquire-time (or its acquire-retry repeating it).
		FluxgateConnectionPool pool = pool(h2(), 1, 1,
				new AcquireLimits(Duration.ofSeconds(30), null, 1, Duration.ofMillis(50), Duration.ZERO), null);
		pool.warmup().block(Duration.ofSeconds(10));
		Connection held = pool.create().block(Duration.ofSeconds(5));
		CompletableFuture<Connection> first = pool.create().toFuture();
		CompletableFuture<Connection> second = pool.create().toFuture();
		CompletableFuture<Connection> third = pool.create().toFuture();
		Mono.from(held.close()).block(Duration.ofSeconds(5));
		Connection firstConnection = first.get(10, TimeUnit.SECONDS);
		Thread.sleep(150);
		Mono.from(firstConnection.close()).block(Duration.ofSeconds(5));
		Connection secondConnection = second.get(10, TimeUnit.SECONDS);

		assertThatThrownBy(() -> pool.create().block(Duration.ofSeconds(20)))
			.isInstanceOf(CapacityExceededException.class)
			.satisfies((ex) -> {
				CapacityExceededException exhausted = (CapacityExceededException) ex;
				assertThat(exhausted.getReason()).isEqualTo("db-pool-exhausted");
				assertThat(exhausted.getMessage()).contains("would become free within")
					.contains("fluxgate.r2dbc.pool.queue-target (50ms)")
					.contains("for the 1 requests already waiting")
					.contains("1 of max-size 1 in use");
				assertThat(exhausted.getHeaders().getFirst("Retry-After")).isEqualTo("1");
			});
		assertThat(third).as("the waiter ahead keeps its place").isNotDone();
		Mono.from(secondConnection.close()).block(Duration.ofSeconds(5));
		Mono.from(third.get(10, TimeUnit.SECONDS).close()).block(Duration.ofSeconds(5));
	}

	@Test
	void shortWaitsRacingHandOversNeverLoseAConnection() {
		// A 1 ms queue target in a queue that stands at once: most waits run out just as a connection is handed over.
		FluxgateConnectionPool pool = pool(h2(), 2, 2,
				new AcquireLimits(Duration.ofSeconds(5), null, 0, Duration.ofMillis(1), Duration.ZERO), null);
		pool.warmup().block(Duration.ofSeconds(10));
		AtomicInteger served = new AtomicInteger();
		Flux.range(0, 2000)
			.flatMap((i) -> Mono.usingWhen(pool.create(), (connection) -> Mono.delay(Duration.ofNanos(i % 3 * 500_000))
				.doOnNext((tick) -> served.incrementAndGet()), Connection::close)
				.onErrorResume(CapacityExceededException.class, (ex) -> Mono.empty()), 32)
			.blockLast(Duration.ofSeconds(120));
		assertThat(served.get()).isPositive();
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (pool.getMetrics().orElseThrow().acquiredSize() > 0 && System.nanoTime() < deadline) {
			Thread.onSpinWait();
		}
		assertThat(pool.getMetrics().orElseThrow().acquiredSize()).as("connections still held").isZero();
		Connection again = pool.create().block(Duration.ofSeconds(10));
		Connection second = pool.create().block(Duration.ofSeconds(10));
		assertThat(again).isNotNull();
		assertThat(second).isNotNull();
		Mono.from(again.close()).then(Mono.from(second.close())).block(Duration.ofSeconds(5));
	}

	private FluxgateConnectionPool pool(ConnectionFactory factory, int initialSize, int maxSize, AcquireLimits limits,
			AcquireTimer timer) {
		ConnectionPoolConfiguration.Builder builder = ConnectionPoolConfiguration.builder()
			.initialSize(initialSize)
			.maxSize(maxSize);
		FluxgateConnectionPool pool = FluxgateConnectionPool.of(builder, factory, limits, timer);
		this.cleanup.add(() -> pool.disposeLater().subscribe());
		return pool;
	}

	private static ConnectionFactory h2() {
		return ConnectionFactories.get("r2dbc:h2:mem:///pool-" + UUID.randomUUID());
	}

	/** H2 connections that take the given times to open, one after the other; the last one repeats. */
	private static ConnectionFactory opening(Duration... delays) {
		ConnectionFactory h2 = h2();
		AtomicInteger created = new AtomicInteger();
		return new TestConnectionFactory(() -> {
			Duration delay = delays[Math.min(created.getAndIncrement(), delays.length - 1)];
			return Mono.delay(delay).then(Mono.from(h2.create()));
		});
	}

	private record TestConnectionFactory(Supplier<Mono<? extends Connection>> creation) implements ConnectionFactory {

		@Override
		public Publisher<? extends Connection> create() {
			return Mono.defer(this.creation);
		}

		@Override
		public ConnectionFactoryMetadata getMetadata() {
			return () -> "test";
		}

	}

}

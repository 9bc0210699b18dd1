package dev.fluxgate.autoconfigure.r2dbc;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.fluxgate.test.FluxgateTestApplication;
import dev.fluxgate.test.HungServer;
import dev.fluxgate.test.TestServices;
import dev.fluxgate.overload.CapacityExceededException;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcTimeoutException;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.r2dbc.core.DatabaseClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * R2DBC limits against a real PostgreSQL: statement timeout, acquire timeout, bounded pending queue.
 */
class R2dbcPostgresIntegrationTests {

	@Test
	void statementTimeoutMakesPostgresCancelARunawayQuery() {
		try (ConfigurableApplicationContext context = start("fluxgate.r2dbc.statement-timeout=1s")) {
			DatabaseClient client = context.getBean(DatabaseClient.class);
			long start = System.nanoTime();
			assertThatThrownBy(() -> client.sql("SELECT pg_sleep(30)").fetch().rowsUpdated().block(Duration.ofSeconds(60)))
				.hasRootCauseInstanceOf(R2dbcException.class)
				.rootCause()
				.satisfies((ex) -> assertThat(((R2dbcException) ex).getSqlState()).isEqualTo("57014"));
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(900),
					Duration.ofSeconds(10));
		}
	}

	@Test
	void everyConnectionGetsTheDefaultStatementTimeout() {
		try (ConfigurableApplicationContext context = start()) {
			String timeout = context.getBean(DatabaseClient.class)
				.sql("SHOW statement_timeout")
				.map((row) -> row.get(0, String.class))
				.one()
				.block(Duration.ofSeconds(30));
			assertThat(timeout).isEqualTo("10s");
		}
	}

	@Test
	void exhaustedPoolFailsAnAcquisitionWithinTheDefaultMaxAcquireTime() {
		// max-size=1 alone would fail startup on plain Boot (initial-size 10 > max-size); Fluxgate lowers it too.
		try (ConfigurableApplicationContext context = start("spring.r2dbc.pool.max-size=1")) {
			ConnectionFactory pool = context.getBean(ConnectionFactory.class);
			Connection held = Mono.from(pool.create()).block(Duration.ofSeconds(30));
			try {
				long start = System.nanoTime();
				assertThatThrownBy(() -> Mono.from(pool.create()).block(Duration.ofSeconds(60)))
					.isInstanceOf(CapacityExceededException.class)
					.hasCauseInstanceOf(R2dbcTimeoutException.class)
					.hasStackTraceContaining("acquisition timed out")
					.hasMessageContaining("all connections are busy")
					.hasMessageContaining("1 of max-size 1 in use, 0 idle, 0 being opened, 1 waiting");
				// Default spring.r2dbc.pool.max-acquire-time is 1s per attempt, and Boot's acquire-retry of 1 allows a
				// second attempt: about 2s in all.
				assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(1900),
						Duration.ofSeconds(10));
			}
			finally {
				Mono.from(held.close()).block(Duration.ofSeconds(10));
			}
		}
	}

	@Test
	void databaseThatNeverFinishesTheHandshakeFailsAtTheDefaultCreateConnectionTime() throws Exception {
		try (HungServer hung = new HungServer();
				ConfigurableApplicationContext context = new SpringApplicationBuilder(FluxgateTestApplication.class)
					.web(WebApplicationType.NONE)
					.properties("spring.r2dbc.url=r2dbc:postgresql://127.0.0.1:" + hung.url().replaceAll(".*:", "")
							+ "/test", "spring.r2dbc.username=postgres", "spring.r2dbc.pool.acquire-retry=0",
							"spring.sql.init.mode=never")
					.run()) {
			ConnectionFactory pool = context.getBean(ConnectionFactory.class);
			long start = System.nanoTime();
			assertThatThrownBy(() -> Mono.from(pool.create()).block(Duration.ofSeconds(60)))
				.isInstanceOfSatisfying(CapacityExceededException.class,
						(ex) -> assertThat(ex.getReason()).isEqualTo("db-unavailable"))
				// The attempt's own creation timed out, or the pool's warm-up made no progress for as long: both
				// name the creation timeout.
				.hasMessageContaining("spring.r2dbc.pool.max-create-connection-time")
				.hasMessageContaining("20s");
			// Default spring.r2dbc.pool.max-create-connection-time is 20s; plain Boot waits forever. The 1s
			// max-acquire-time bounds only the wait for a busy pool, so it does not cut the handshake short.
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(19500),
					Duration.ofSeconds(55));
		}
	}

	@Test
	void poolTimeoutsAndLifetimeHaveFiniteDefaults() {
		try (ConfigurableApplicationContext context = start()) {
			org.springframework.boot.r2dbc.autoconfigure.R2dbcProperties.Pool pool = context
				.getBean(org.springframework.boot.r2dbc.autoconfigure.R2dbcProperties.class)
				.getPool();
			// max-acquire-time is not in the environment: only the rebuilt pool applies it, to a busy pool alone.
			assertThat(pool.getMaxAcquireTime()).isNull();
			assertThat(((FluxgateConnectionPool) context.getBean(ConnectionFactory.class)).limits().maxAcquireTime())
				.isEqualTo(Duration.ofSeconds(1));
			assertThat(pool.getMaxCreateConnectionTime()).isEqualTo(Duration.ofSeconds(20));
			assertThat(pool.getMaxValidationTime()).isEqualTo(Duration.ofSeconds(2));
			assertThat(pool.getMaxLifeTime()).isEqualTo(Duration.ofMinutes(30));
		}
	}

	@Test
	void pendingAcquireQueueIsBounded() {
		try (ConfigurableApplicationContext context = start("spring.r2dbc.pool.max-size=1",
				"spring.r2dbc.pool.max-acquire-time=20s", "spring.r2dbc.pool.acquire-retry=0",
				"fluxgate.r2dbc.pool.max-pending-acquire=1")) {
			ConnectionPool pool = context.getBean(ConnectionPool.class);
			assertThat(pool.getMetrics().orElseThrow().getMaxPendingAcquireSize()).isEqualTo(1);
			Connection held = Mono.from(pool.create()).block(Duration.ofSeconds(30));
			List<reactor.core.Disposable> waiting = new ArrayList<>();
			try {
				waiting.add(Mono.from(pool.create()).subscribe());
				long start = System.nanoTime();
				assertThatThrownBy(() -> Mono.from(pool.create()).block(Duration.ofSeconds(30)))
					.isInstanceOf(CapacityExceededException.class)
					.hasMessageContaining("the wait queue is full (fluxgate.r2dbc.pool.max-pending-acquire)")
					.hasMessageContaining("1 of max-size 1 in use")
					.hasStackTraceContaining("Pending acquire queue has reached its maximum size");
				assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
			}
			finally {
				waiting.forEach(reactor.core.Disposable::dispose);
				Mono.from(held.close()).block(Duration.ofSeconds(10));
			}
		}
	}

	@Test
	void defaultPendingAcquireBoundReplacesTheUnboundedQueue() {
		try (ConfigurableApplicationContext context = start()) {
			ConnectionPool pool = context.getBean(ConnectionPool.class);
			assertThat(pool.getMetrics().orElseThrow().getMaxPendingAcquireSize()).isEqualTo(100);
			// The rebuilt pool still serves queries.
			Long one = Flux.usingWhen(pool.create(),
					(connection) -> Flux.from(connection.createStatement("SELECT 1").execute())
						.flatMap((result) -> result.map((row, meta) -> row.get(0, Long.class))),
					Connection::close)
				.blockFirst(Duration.ofSeconds(30));
			assertThat(one).isEqualTo(1L);
		}
	}

	@Test
	void disabledFluxgateLeavesTheQueueUnboundedAndNoStatementTimeout() {
		try (ConfigurableApplicationContext context = start("fluxgate.enabled=false")) {
			ConnectionPool pool = context.getBean(ConnectionPool.class);
			assertThat(pool.getMetrics().orElseThrow().getMaxPendingAcquireSize()).isEqualTo(Integer.MAX_VALUE);
			String timeout = context.getBean(DatabaseClient.class)
				.sql("SHOW statement_timeout")
				.map((row) -> row.get(0, String.class))
				.one()
				.block(Duration.ofSeconds(30));
			assertThat(timeout).isEqualTo("0");
		}
	}

	private static ConfigurableApplicationContext start(String... properties) {
		return new SpringApplicationBuilder(FluxgateTestApplication.class).web(WebApplicationType.NONE)
			.properties(TestServices.postgres().r2dbcProperties())
			.properties(properties)
			.run();
	}

}

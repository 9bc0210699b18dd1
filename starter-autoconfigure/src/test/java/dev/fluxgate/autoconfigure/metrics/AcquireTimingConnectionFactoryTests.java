package dev.fluxgate.autoconfigure.metrics;

import java.time.Duration;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A real r2dbc-pool (H2 in memory) of one connection: the wrapper times acquisitions by outcome and still unwraps to
 * the pool.
 */
class AcquireTimingConnectionFactoryTests {

	@Test
	void acquisitionsAreTimedByOutcomeAndThePoolStaysReachable() {
		ConnectionFactory h2 = ConnectionFactories.get("r2dbc:h2:mem:///observability-acquire");
		ConnectionPool pool = new ConnectionPool(ConnectionPoolConfiguration.builder(h2)
			.initialSize(1)
			.maxSize(1)
			.maxAcquireTime(Duration.ofMillis(500))
			.build());
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		AcquireTimingConnectionFactory timed = new AcquireTimingConnectionFactory(pool, "connectionFactory");
		timed.bindTo(registry);
		try {
			// Open the pool's only connection first, so the timed acquisitions measure waiting, not connecting.
			pool.warmup().block(Duration.ofSeconds(10));
			Connection held = Mono.from(timed.create()).block(Duration.ofSeconds(5));
			assertThatThrownBy(() -> Mono.from(timed.create()).block(Duration.ofSeconds(5)))
				.hasMessageContaining("timed out");
			Mono.from(held.close()).block(Duration.ofSeconds(5));

			assertThat(registry.get("fluxgate.r2dbc.pool.acquire").tag("outcome", "success").timer().count())
				.isEqualTo(1);
			assertThat(registry.get("fluxgate.r2dbc.pool.acquire").tag("outcome", "timeout").timer().count())
				.isEqualTo(1);
			assertThat(registry.get("fluxgate.r2dbc.pool.acquire")
				.tag("outcome", "timeout")
				.timer()
				.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(400);
			assertThat(timed.unwrap()).isSameAs(pool);
		}
		finally {
			pool.dispose();
		}
	}

}

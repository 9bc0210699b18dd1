package dev.fluxgate.autoconfigure.r2dbc;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.spi.Connection;
import dev.fluxgate.overload.CapacityExceededException;
import io.r2dbc.spi.ConnectionFactories;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A real r2dbc-pool (H2 in memory) of one connection: acquisitions are timed by outcome, and exhaustion is the
 * overload contract's 503.
 */
class FluxgateConnectionPoolTests {

	@Test
	void acquisitionsAreTimedByOutcome() {
		AcquireTimer timer = new AcquireTimer("connectionFactory");
		FluxgateConnectionPool pool = new FluxgateConnectionPool(ConnectionPoolConfiguration
			.builder(ConnectionFactories.get("r2dbc:h2:mem:///timed-pool"))
			.initialSize(1)
			.maxSize(1)
			.maxAcquireTime(Duration.ofMillis(500))
			.acquireRetry(0)
			.build(), timer);
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		timer.bindTo(registry);
		try {
			// Open the pool's only connection first, so the timed acquisitions measure waiting, not connecting.
			pool.warmup().block(Duration.ofSeconds(10));
			Connection held = pool.create().block(Duration.ofSeconds(5));
			assertThatThrownBy(() -> pool.create().block(Duration.ofSeconds(5)))
				.isInstanceOf(CapacityExceededException.class)
				.hasRootCauseInstanceOf(java.util.concurrent.TimeoutException.class)
				.satisfies((ex) -> {
					CapacityExceededException exhausted = (CapacityExceededException) ex;
					assertThat(exhausted.getReason()).isEqualTo("db-pool-exhausted");
					assertThat(exhausted.getStatusCode().value()).isEqualTo(503);
					assertThat(exhausted.getHeaders().getFirst("Retry-After")).isEqualTo("1");
				});
			Mono.from(held.close()).block(Duration.ofSeconds(5));

			assertThat(registry.get(AcquireTimer.METER).tag("outcome", "success").timer().count()).isEqualTo(1);
			assertThat(registry.get(AcquireTimer.METER).tag("outcome", "timeout").timer().count()).isEqualTo(1);
			assertThat(registry.get(AcquireTimer.METER)
				.tag("outcome", "timeout")
				.timer()
				.totalTime(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(400);
			assertThat(registry.get(AcquireTimer.METER).tag("name", "connectionFactory").timers()).hasSize(4);
		}
		finally {
			pool.dispose();
		}
	}

}

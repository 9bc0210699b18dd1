package dev.fluxgate.autoconfigure.r2dbc;

import java.time.Duration;

import dev.fluxgate.autoconfigure.validation.InvalidPropertyException;
import dev.fluxgate.test.FluxgateTestApplication;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Which pool Fluxgate rebuilds: the one Boot builds from {@code spring.r2dbc.pool.*}, never one an
 * {@code r2dbc:pool:} URL configures; and the rebuilt pool closes with its context.
 */
class PoolRebuildTests {

	@Test
	void poolBuiltFromPropertiesIsRebuilt() {
		try (ConfigurableApplicationContext context = start("spring.r2dbc.url=r2dbc:h2:mem:///rebuilt",
				"spring.r2dbc.pool.max-size=3")) {
			ConnectionPool pool = (ConnectionPool) context.getBean(ConnectionFactory.class);
			assertThat(pool).isInstanceOf(FluxgateConnectionPool.class);
			assertThat(pool.getMetrics().orElseThrow().getMaxAllocatedSize()).isEqualTo(3);
			assertThat(pool.getMetrics().orElseThrow().getMaxPendingAcquireSize()).isEqualTo(100);
		}
	}

	@Test
	void queueTargetAndIntervalComeFromTheProperties() {
		try (ConfigurableApplicationContext context = start("spring.r2dbc.url=r2dbc:h2:mem:///queue",
				"fluxgate.r2dbc.pool.queue-target=40ms", "fluxgate.r2dbc.pool.queue-interval=2s")) {
			FluxgateConnectionPool pool = (FluxgateConnectionPool) context.getBean(ConnectionFactory.class);
			assertThat(pool.limits().queueTarget()).isEqualTo(Duration.ofMillis(40));
			assertThat(pool.limits().queueInterval()).isEqualTo(Duration.ofSeconds(2));
		}
	}

	@Test
	void anInvalidQueueTargetFailsStartupNamingPropertyAndValue() {
		assertThatThrownBy(() -> start("spring.r2dbc.url=r2dbc:h2:mem:///invalid", "fluxgate.r2dbc.pool.queue-target=0s"))
			.hasRootCauseInstanceOf(InvalidPropertyException.class)
			.rootCause()
			.hasMessageContaining("fluxgate.r2dbc.pool.queue-target")
			.hasMessageContaining("PT0S");
	}

	@Test
	void rebuiltPoolIsDisposedWithTheContext() {
		ConnectionPool pool;
		try (ConfigurableApplicationContext context = start("spring.r2dbc.url=r2dbc:h2:mem:///disposed")) {
			pool = (ConnectionPool) context.getBean(ConnectionFactory.class);
			Mono.usingWhen(pool.create(), (connection) -> Mono.just(1), Connection::close)
				.block(Duration.ofSeconds(30));
			assertThat(pool.isDisposed()).isFalse();
		}
		assertThat(pool.isDisposed()).isTrue();
	}

	@Test
	void poolConfiguredByItsUrlIsLeftAsTheUrlSays() {
		try (ConfigurableApplicationContext context = start(
				"spring.r2dbc.url=r2dbc:pool:h2:mem:///url-pool?maxSize=3&initialSize=1")) {
			ConnectionPool pool = (ConnectionPool) context.getBean(ConnectionFactory.class);
			assertThat(pool).isNotInstanceOf(FluxgateConnectionPool.class);
			assertThat(pool.getMetrics().orElseThrow().getMaxAllocatedSize()).isEqualTo(3);
		}
	}

	private static ConfigurableApplicationContext start(String... properties) {
		return new SpringApplicationBuilder(FluxgateTestApplication.class).web(WebApplicationType.NONE)
			.properties(properties)
			.run();
	}

}

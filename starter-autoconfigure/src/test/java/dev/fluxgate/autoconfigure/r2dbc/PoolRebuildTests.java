package dev.fluxgate.autoconfigure.r2dbc;

import dev.fluxgate.test.FluxgateTestApplication;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.spi.ConnectionFactory;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which pool Fluxgate rebuilds: the one Boot builds from {@code spring.r2dbc.pool.*}, never one an
 * {@code r2dbc:pool:} URL configures.
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

package dev.fluxgate.eventloop;

import java.util.ServiceLoader;

import org.junit.jupiter.api.Test;
import reactor.blockhound.integration.BlockHoundIntegration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * BlockHound finds Fluxgate's allowances through its {@code ServiceLoader}, whoever installs it.
 */
class FluxgateBlockHoundIntegrationTests {

	@Test
	void integrationIsDiscoveredByBlockHoundsServiceLoader() {
		assertThat(ServiceLoader.load(BlockHoundIntegration.class))
			.anySatisfy((integration) -> assertThat(integration).isInstanceOf(FluxgateBlockHoundIntegration.class));
	}

}

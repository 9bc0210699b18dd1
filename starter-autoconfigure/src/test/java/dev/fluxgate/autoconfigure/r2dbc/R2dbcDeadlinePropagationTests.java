package dev.fluxgate.autoconfigure.r2dbc;

import java.time.Duration;

import dev.fluxgate.deadline.r2dbc.DeadlineAwareConnectionFactory;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryMetadata;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.r2dbc.ConnectionFactoryDecorator;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The R2DBC piece of the request deadline is registered by the R2DBC auto-configuration, for reactive web
 * applications, where requests have deadlines.
 */
class R2dbcDeadlinePropagationTests {

	private final AutoConfigurations configurations = AutoConfigurations.of(FluxgateR2dbcAutoConfiguration.class);

	@Test
	void reactiveWebApplicationsGetTheDeadlineAwareDecorator() {
		new ReactiveWebApplicationContextRunner().withConfiguration(this.configurations)
			.withPropertyValues("fluxgate.r2dbc.statement-timeout=7s")
			.run((context) -> {
				assertThat(context).hasSingleBean(ConnectionFactoryDecorator.class);
				ConnectionFactory decorated = context.getBean(ConnectionFactoryDecorator.class)
					.decorate(new NoConnections());
				assertThat(decorated).isInstanceOf(DeadlineAwareConnectionFactory.class);
				assertThat(decorated).extracting("baseTimeout").isEqualTo(Duration.ofSeconds(7));
			});
	}

	@Test
	void applicationsWithoutRequestsHaveNoDecorator() {
		new ApplicationContextRunner().withConfiguration(this.configurations)
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(ConnectionFactoryDecorator.class));
	}

	private static final class NoConnections implements ConnectionFactory {

		@Override
		public Publisher<? extends Connection> create() {
			return Mono.empty();
		}

		@Override
		public ConnectionFactoryMetadata getMetadata() {
			return () -> "none";
		}

	}

}

package dev.fluxgate.autoconfigure.server;

import java.util.List;

import dev.fluxgate.autoconfigure.FluxgateAutoConfiguration;
import dev.fluxgate.autoconfigure.validation.InvalidPropertyException;
import dev.fluxgate.deadline.DeadlineSettings;
import dev.fluxgate.deadline.RequestDeadlineWebFilter;
import dev.fluxgate.gate.GateRegistry;
import dev.fluxgate.limit.GradientLimit;
import dev.fluxgate.server.LoadShedder;
import dev.fluxgate.server.LoadSheddingWebFilter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.r2dbc.ConnectionFactoryDecorator;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

class FluxgateServerAutoConfigurationTests {

	private final ReactiveWebApplicationContextRunner runner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(FluxgateAutoConfiguration.class,
				FluxgateServerAutoConfiguration.class))
		.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
		.withBean(ServerCodecConfigurer.class, ServerCodecConfigurer::create);

	@Test
	void installsDeadlineAndFixedSheddingByDefault() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(RequestDeadlineWebFilter.class)
				.hasSingleBean(LoadSheddingWebFilter.class)
				.hasSingleBean(WebClientCustomizer.class)
				// R2DBC's piece of the deadline is registered by the R2DBC auto-configuration
				.doesNotHaveBean(ConnectionFactoryDecorator.class);
			LoadShedder shedder = context.getBean(LoadShedder.class);
			assertThat(shedder.snapshot().limit()).isEqualTo(1000);
			assertThat(shedder.isShadow()).isFalse();
			assertThat(context.getBean(GateRegistry.class).gates()).contains(shedder);
			assertThat(context.getBean(MeterRegistry.class)
				.get("fluxgate.gate.limit")
				.tag("gate", "server")
				.tag("kind", "shedding")
				.gauge()
				.value()).isEqualTo(1000);
		});
	}

	@Test
	void adaptiveModeUsesAGradientLimitWithTheLimitAsCeiling() {
		this.runner
			.withPropertyValues("fluxgate.server.concurrency.mode=adaptive", "fluxgate.server.concurrency.limit=200",
					"fluxgate.server.concurrency.shadow=true")
			.run((context) -> {
				LoadShedder shedder = context.getBean(LoadShedder.class);
				assertThat(shedder.limit()).isInstanceOf(GradientLimit.class);
				assertThat(shedder.limit().current()).isEqualTo(200);
				assertThat(shedder.isShadow()).isTrue();
			});
	}

	@Test
	void offModeInstallsNoShedder() {
		this.runner.withPropertyValues("fluxgate.server.concurrency.mode=OFF").run((context) -> {
			assertThat(context).doesNotHaveBean(LoadShedder.class).doesNotHaveBean(LoadSheddingWebFilter.class);
			assertThat(context).hasSingleBean(RequestDeadlineWebFilter.class);
		});
	}

	@Test
	void backsOffFromTheApplicationsOwnFilters() {
		this.runner.withUserConfiguration(OwnFilters.class).run((context) -> {
			assertThat(context).hasSingleBean(RequestDeadlineWebFilter.class);
			assertThat(context.getBean(RequestDeadlineWebFilter.class)).isSameAs(OwnFilters.DEADLINE);
		});
	}

	@Test
	void fluxgateDisabledInstallsNothing() {
		this.runner.withPropertyValues("fluxgate.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(RequestDeadlineWebFilter.class)
				.doesNotHaveBean(LoadShedder.class));
	}

	@Test
	void invalidValuesFailStartupNamingTheProperty() {
		assertInvalid("fluxgate.server.request-timeout=-1s", "fluxgate.server.request-timeout");
		assertInvalid("fluxgate.server.concurrency.limit=0", "fluxgate.server.concurrency.limit");
		assertInvalid("fluxgate.server.concurrency.retry-after=0s", "fluxgate.server.concurrency.retry-after");
		assertInvalid("fluxgate.server.deadline.header=Bad Header", "fluxgate.server.deadline.header");
		assertInvalid("fluxgate.server.deadline.margin=-5ms", "fluxgate.server.deadline.margin");
		assertInvalid("fluxgate.server.deadline.excluded-paths=/files/{oops", "fluxgate.server.deadline.excluded-paths");
		assertInvalid("fluxgate.server.concurrency.excluded-paths=/a/**/b/{x", "fluxgate.server.concurrency.excluded-paths");
	}

	@Test
	void anUnknownModeFailsStartupNamingTheProperty() {
		this.runner.withPropertyValues("fluxgate.server.concurrency.mode=sideways")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.hasStackTraceContaining("fluxgate.server.concurrency.mode"));
	}

	@Test
	void zeroRequestTimeoutDisablesTheTimeoutButKeepsTheHeader() {
		this.runner.withPropertyValues("fluxgate.server.request-timeout=0")
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(RequestDeadlineWebFilter.class));
	}

	@Test
	void actuatorAndProbePathsAreAlwaysExcluded() {
		assertThat(FluxgateServerAutoConfiguration.withAlwaysExcluded(List.of("/files/**"), new MockEnvironment()))
			.containsExactly("/files/**", "/actuator/**", "/livez", "/readyz");
		MockEnvironment custom = new MockEnvironment().withProperty("management.endpoints.web.base-path", "/manage/");
		assertThat(FluxgateServerAutoConfiguration.withAlwaysExcluded(List.of(), custom)).contains("/manage/**");
		MockEnvironment root = new MockEnvironment().withProperty("management.endpoints.web.base-path", "/");
		assertThat(FluxgateServerAutoConfiguration.withAlwaysExcluded(List.of(), root)).contains("/health/**");
	}

	private void assertInvalid(String property, String name) {
		this.runner.withPropertyValues(property).run((context) -> {
			assertThat(context).hasFailed();
			Throwable failure = context.getStartupFailure();
			while (failure != null && !(failure instanceof InvalidPropertyException)) {
				failure = failure.getCause();
			}
			assertThat(failure).as(property).isInstanceOf(InvalidPropertyException.class);
			assertThat(((InvalidPropertyException) failure).getProperty()).isEqualTo(name);
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnFilters {

		static final RequestDeadlineWebFilter DEADLINE = new RequestDeadlineWebFilter(
				new DeadlineSettings(null, null, false, List.of()), null);

		@Bean
		RequestDeadlineWebFilter ownDeadlineFilter() {
			return DEADLINE;
		}

	}

}

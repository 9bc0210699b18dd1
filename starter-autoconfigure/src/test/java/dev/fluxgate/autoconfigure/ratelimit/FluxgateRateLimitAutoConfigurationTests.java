package dev.fluxgate.autoconfigure.ratelimit;

import java.util.Map;

import dev.fluxgate.autoconfigure.FluxgateAutoConfiguration;
import dev.fluxgate.autoconfigure.validation.InvalidPropertyException;
import dev.fluxgate.ratelimit.RateLimitWebFilter;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.webflux.autoconfigure.WebFluxAutoConfiguration;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

class FluxgateRateLimitAutoConfigurationTests {

	private final ReactiveWebApplicationContextRunner runner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(WebFluxAutoConfiguration.class, FluxgateAutoConfiguration.class,
				FluxgateRateLimitAutoConfiguration.class))
		.withPropertyValues("fluxgate.rate-limit.policies.api.paths=/api/**");

	@Test
	void theFilterRunsAtMinus100AndAfterSpringSecurityForPrincipalKeys() {
		this.runner.withPropertyValues("fluxgate.rate-limit.policies.api.per-second=10")
			.run((context) -> assertThat(context.getBean(RateLimitWebFilter.class).getOrder()).isEqualTo(-101));
		this.runner
			.withPropertyValues("fluxgate.rate-limit.policies.api.per-second=10",
					"fluxgate.rate-limit.policies.api.key=principal")
			.run((context) -> assertThat(context.getBean(RateLimitWebFilter.class).getOrder()).isEqualTo(-99));
	}

	@Test
	void noFilterWithoutAPolicy() {
		new ReactiveWebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(WebFluxAutoConfiguration.class, FluxgateAutoConfiguration.class,
					FluxgateRateLimitAutoConfiguration.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(RateLimitWebFilter.class));
	}

	@Test
	void aPolicyFromAnEnvironmentVariableInstallsTheFilter() {
		new ReactiveWebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(WebFluxAutoConfiguration.class, FluxgateAutoConfiguration.class,
					FluxgateRateLimitAutoConfiguration.class))
			.withInitializer((context) -> context.getEnvironment()
				.getPropertySources()
				.addFirst(new SystemEnvironmentPropertySource(
						StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
						Map.of("FLUXGATE_RATELIMIT_POLICIES_API_PERSECOND", "10", "FLUXGATE_RATELIMIT_POLICIES_API_PATHS",
								"/api/**"))))
			.run((context) -> assertThat(context).hasSingleBean(RateLimitWebFilter.class));
	}

	@Test
	void canBeSwitchedOff() {
		this.runner.withPropertyValues("fluxgate.rate-limit.policies.api.per-second=10", "fluxgate.rate-limit.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(RateLimitWebFilter.class));
	}

	@Test
	void invalidRateLimitPropertiesFailStartupNamingTheProperty() {
		assertInvalid("fluxgate.rate-limit.policies.api.per-second=0", "fluxgate.rate-limit.policies.api.per-second",
				"between 1 and");
		assertInvalid("fluxgate.rate-limit.policies.api.per-minute=-5", "fluxgate.rate-limit.policies.api.per-minute",
				"between 1 and");
		assertInvalid("fluxgate.rate-limit.policies.api.enabled-by-mistake=true",
				"fluxgate.rate-limit.policies.api.per-second", "per-second, per-minute or both");
		assertInvalid("fluxgate.rate-limit.policies.api.key=header", "fluxgate.rate-limit.policies.api.key-header",
				"header name");
		assertInvalid("fluxgate.rate-limit.redis.timeout=30s", "fluxgate.rate-limit.redis.timeout", "at most 5s");
		this.runner.withPropertyValues("fluxgate.rate-limit.policies.api.per-second=5",
				"fluxgate.rate-limit.policies.api.paths=/api/{*rest}/more")
			.run((context) -> assertThat(invalid(context.getStartupFailure()).getProperty())
				.isEqualTo("fluxgate.rate-limit.policies.api.paths"));
	}

	private void assertInvalid(String property, String name, String range) {
		boolean hasWindow = property.contains("per-second") || property.contains("per-minute")
				|| property.contains("mistake");
		this.runner.withPropertyValues(property, hasWindow ? "x=y" : "fluxgate.rate-limit.policies.api.per-second=5")
			.run((context) -> {
				assertThat(context).hasFailed();
				InvalidPropertyException invalid = invalid(context.getStartupFailure());
				assertThat(invalid).as("InvalidPropertyException for " + property).isNotNull();
				assertThat(invalid.getProperty()).isEqualTo(name);
				assertThat(invalid.getValidRange()).contains(range);
			});
	}

	private static InvalidPropertyException invalid(Throwable failure) {
		Throwable cause = failure;
		while (cause != null && !(cause instanceof InvalidPropertyException)) {
			cause = cause.getCause();
		}
		return (InvalidPropertyException) cause;
	}

}

package dev.fluxgate.autoconfigure.dependency;

import dev.fluxgate.autoconfigure.FluxgateAutoConfiguration;
import dev.fluxgate.autoconfigure.validation.InvalidPropertyException;
import dev.fluxgate.dependency.Bulkhead;
import dev.fluxgate.dependency.DependencyGuard;
import dev.fluxgate.dependency.FluxgateDependencies;
import dev.fluxgate.gate.GateRegistry;
import dev.fluxgate.test.FluxgateTestApplication;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.springboot.circuitbreaker.autoconfigure.CircuitBreakerAutoConfiguration;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.ClassUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class FluxgateDependencyAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withInitializer((context) -> CircuitBreakerDefaultsEnvironmentPostProcessor.install(context.getEnvironment()))
		.withConfiguration(AutoConfigurations.of(FluxgateAutoConfiguration.class,
				FluxgateDependencyAutoConfiguration.class, CircuitBreakerAutoConfiguration.class,
				WebClientAutoConfiguration.class));

	@Test
	void resilience4jPropertiesWinOverFluxgateCircuitBreakerDefaults() {
		this.runner
			.withPropertyValues("fluxgate.dependencies.catalog.base-url=http://127.0.0.1:9",
					"resilience4j.circuitbreaker.instances.catalog.failure-rate-threshold=30")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				DependencyGuard guard = context.getBean(FluxgateDependencies.class).guard("catalog");
				CircuitBreakerConfig config = guard.circuitBreaker().getCircuitBreakerConfig();
				assertThat(config.getFailureRateThreshold()).isEqualTo(30f);
				assertThat(config.getSlidingWindowSize()).isEqualTo(20);
				assertThat(config.getMinimumNumberOfCalls()).isEqualTo(10);
				assertThat(config.getWaitIntervalFunctionInOpenState().apply(1)).isEqualTo(10_000L);
				assertThat(context.getBean(GateRegistry.class).gates())
					.anyMatch((gate) -> gate.kind().equals(Bulkhead.KIND) && gate.name().equals("catalog"));
				assertThat(guard.bulkhead().settings().maxConcurrentCalls()).isEqualTo(50);
			});
	}

	@Test
	void resilience4jCircuitBreakerPropertiesWorkInAFullApplicationWithoutTheUnusedModules() {
		// The starter brings Resilience4j's circuit breaker only: its other modules' jars are excluded, and their
		// auto-configurations must back off without failing the application.
		assertThat(ClassUtils.isPresent("io.github.resilience4j.retry.Retry", null)).isFalse();
		assertThat(ClassUtils.isPresent("io.github.resilience4j.bulkhead.Bulkhead", null)).isFalse();
		assertThat(ClassUtils.isPresent("io.github.resilience4j.ratelimiter.RateLimiter", null)).isFalse();
		assertThat(ClassUtils.isPresent("io.github.resilience4j.timelimiter.TimeLimiter", null)).isFalse();
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(FluxgateTestApplication.class)
			.web(WebApplicationType.NONE)
			.run("--spring.r2dbc.url=r2dbc:h2:mem:///resilience4j", "--management.health.redis.enabled=false",
					"--fluxgate.jobs.enabled=false", "--fluxgate.dependencies.catalog.base-url=http://127.0.0.1:9",
					"--resilience4j.circuitbreaker.instances.catalog.sliding-window-size=7",
					"--resilience4j.circuitbreaker.configs.fluxgate.failure-rate-threshold=40")) {
			CircuitBreakerConfig config = context.getBean(FluxgateDependencies.class)
				.guard("catalog")
				.circuitBreaker()
				.getCircuitBreakerConfig();
			assertThat(config.getSlidingWindowSize()).isEqualTo(7);
			assertThat(config.getFailureRateThreshold()).isEqualTo(40f);
			assertThat(config.getMinimumNumberOfCalls()).isEqualTo(10);
			assertThat(context.getBean(CircuitBreakerRegistry.class).find("catalog")).isPresent();
		}
	}

	@Test
	void anUnknownDependencyNameIsRefusedWithTheKnownNames() {
		this.runner.withPropertyValues("fluxgate.dependencies.catalog.timeout=2s").run((context) -> {
			FluxgateDependencies dependencies = context.getBean(FluxgateDependencies.class);
			assertThatIllegalArgumentException().isThrownBy(() -> dependencies.webClientBuilder("catalgo"))
				.withMessageContaining("fluxgate.dependencies.catalgo")
				.withMessageContaining("[catalog]");
			assertThat(dependencies.webClient("catalog")).isNotNull();
		});
	}

	@Test
	void bulkheadAndRetryCanBeSwitchedOff() {
		this.runner
			.withPropertyValues("fluxgate.dependencies.legacy.bulkhead.enabled=false",
					"fluxgate.dependencies.legacy.circuit-breaker.enabled=false",
					"fluxgate.dependencies.legacy.retry.enabled=false")
			.run((context) -> {
				DependencyGuard guard = context.getBean(FluxgateDependencies.class).guard("legacy");
				assertThat(guard.bulkhead()).isNull();
				assertThat(guard.circuitBreaker()).isNull();
				assertThat(guard.settings().retry().maxAttempts()).isEqualTo(1);
			});
	}

	@Test
	void invalidDependencyPropertiesFailStartupNamingTheProperty() {
		assertInvalid("fluxgate.dependencies.catalog.bulkhead.max-concurrent-calls=0",
				"fluxgate.dependencies.catalog.bulkhead.max-concurrent-calls", "between 1 and 100000");
		assertInvalid("fluxgate.dependencies.catalog.timeout=0s", "fluxgate.dependencies.catalog.timeout",
				"positive duration");
		assertInvalid("fluxgate.dependencies.catalog.retry.max-attempts=50",
				"fluxgate.dependencies.catalog.retry.max-attempts", "between 1 and 10");
		assertInvalid("fluxgate.dependencies.catalog.retry.budget.percent=150",
				"fluxgate.dependencies.catalog.retry.budget.percent", "between 0 and 100");
		assertInvalid("fluxgate.dependencies.catalog.base-url=catalog:8080", "fluxgate.dependencies.catalog.base-url",
				"absolute http or https URL");
		assertInvalid("fluxgate.dependencies.catalog.retry.methods=GET,FETCH", "fluxgate.dependencies.catalog.retry.methods",
				"HTTP methods");
	}

	private void assertInvalid(String property, String name, String range) {
		this.runner.withPropertyValues(property).run((context) -> {
			assertThat(context).hasFailed();
			Throwable cause = context.getStartupFailure();
			while (cause != null && !(cause instanceof InvalidPropertyException)) {
				cause = cause.getCause();
			}
			assertThat(cause).as("InvalidPropertyException for " + property).isNotNull();
			InvalidPropertyException invalid = (InvalidPropertyException) cause;
			assertThat(invalid.getProperty()).isEqualTo(name);
			assertThat(invalid.getValidRange()).contains(range);
		});
	}

	@Test
	void theRateLimitRedisBreakerGetsFastTrippingDefaults() {
		this.runner.run((context) -> assertThat(context.getEnvironment()
			.getProperty("resilience4j.circuitbreaker.instances.fluxgate-rate-limit-redis.wait-duration-in-open-state"))
			.isEqualTo("5s"));
	}

}

package dev.fluxgate.autoconfigure.dependency;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

import dev.fluxgate.autoconfigure.ConditionalOnFluxgateEnabled;
import dev.fluxgate.autoconfigure.FluxgateAutoConfiguration;
import dev.fluxgate.autoconfigure.defaults.ConcurrencySettingsCollector;
import dev.fluxgate.autoconfigure.defaults.ConcurrencySettingsContributor;
import dev.fluxgate.dependency.Bulkhead;
import dev.fluxgate.dependency.DependencyGuard;
import dev.fluxgate.dependency.DependencySettings;
import dev.fluxgate.dependency.FluxgateDependencies;
import dev.fluxgate.gate.GateRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.support.WebClientHttpServiceGroupConfigurer;

/**
 * Guards for named outbound dependencies: {@link FluxgateDependencies} builds WebClients for them, and HTTP service
 * client groups of the same name are guarded automatically. Circuit breakers come from Resilience4j's
 * {@link CircuitBreakerRegistry} (so {@code resilience4j.circuitbreaker.instances.<name>.*} applies); bulkheads are
 * registered in the {@link GateRegistry}.
 */
@AutoConfiguration(after = FluxgateAutoConfiguration.class,
		afterName = { "org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration",
				"io.github.resilience4j.springboot.circuitbreaker.autoconfigure.CircuitBreakerAutoConfiguration" })
@ConditionalOnFluxgateEnabled
@ConditionalOnClass({ WebClient.class, CircuitBreaker.class, CircuitBreakerOperator.class })
@EnableConfigurationProperties(FluxgateDependenciesProperties.class)
public final class FluxgateDependencyAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	FluxgateDependencies fluxgateDependencies(FluxgateDependenciesProperties properties, GateRegistry gates,
			ObjectProvider<CircuitBreakerRegistry> circuitBreakerRegistry, ObjectProvider<MeterRegistry> meterRegistry,
			ObjectProvider<WebClient.Builder> webClientBuilders) {
		CircuitBreakerRegistry breakers = circuitBreakerRegistry.getIfAvailable(CircuitBreakerRegistry::ofDefaults);
		MeterRegistry meters = meterRegistry.getIfAvailable();
		Function<String, DependencyGuard> factory = (name) -> {
			FluxgateDependenciesProperties.Dependency dependency = properties.getDependencies()
				.getOrDefault(name, new FluxgateDependenciesProperties.Dependency());
			DependencySettings settings = dependency.toSettings(name);
			Bulkhead bulkhead = (settings.bulkhead() != null)
					? gates.register(new Bulkhead(name, settings.bulkhead(), meters)) : null;
			CircuitBreaker circuitBreaker = dependency.getCircuitBreaker().isEnabled() ? circuitBreaker(breakers, name)
					: null;
			return new DependencyGuard(settings, bulkhead, circuitBreaker, null, meters);
		};
		Map<String, DependencyGuard> configured = new LinkedHashMap<>();
		Map<String, String> baseUrls = new LinkedHashMap<>();
		properties.getDependencies().forEach((name, dependency) -> {
			configured.put(name, factory.apply(name));
			baseUrls.put(name, (dependency.getBaseUrl() != null) ? dependency.getBaseUrl() : "");
		});
		return new FluxgateDependencies(configured, baseUrls, factory,
				() -> webClientBuilders.getIfAvailable(WebClient::builder));
	}

	/**
	 * The instance configured for the name (resilience4j.circuitbreaker.instances.name, which Fluxgate bases on the
	 * shared {@code fluxgate} config), else a new one from the shared config, else Resilience4j's defaults.
	 */
	private static CircuitBreaker circuitBreaker(CircuitBreakerRegistry registry, String name) {
		return registry.find(name).orElseGet(() -> {
			CircuitBreakerConfig config = registry.getConfiguration(CircuitBreakerDefaults.CONFIG_NAME)
				.orElseGet(registry::getDefaultConfig);
			return registry.circuitBreaker(name, config);
		});
	}

	@Bean
	ConcurrencySettingsContributor fluxgateDependencySettings(FluxgateDependenciesProperties properties) {
		return (settings) -> properties.getDependencies().forEach((name, dependency) -> {
			String prefix = "fluxgate.dependencies." + name + ".";
			settings.fluxgateProperty("dependency", prefix + "timeout", dependency.getTimeout());
			settings.fluxgateProperty("dependency", prefix + "attempt-timeout", dependency.getAttemptTimeout());
			settings.fluxgateProperty("dependency", prefix + "bulkhead.max-concurrent-calls",
					dependency.getBulkhead().isEnabled() ? dependency.getBulkhead().getMaxConcurrentCalls() : "off");
			settings.fluxgateProperty("dependency", prefix + "bulkhead.max-queued", dependency.getBulkhead().getMaxQueued());
			settings.fluxgateProperty("dependency", prefix + "retry.max-attempts",
					dependency.getRetry().isEnabled() ? dependency.getRetry().getMaxAttempts() : 1);
			settings.fluxgateProperty("dependency", prefix + "retry.budget.percent",
					dependency.getRetry().getBudget().getPercent());
			if (dependency.getAttemptTimeout().compareTo(dependency.getTimeout()) > 0) {
				settings.incoherent("%sattempt-timeout (%s) is longer than %stimeout (%s): the call times out before "
					.formatted(prefix, ConcurrencySettingsCollector.format(dependency.getAttemptTimeout()), prefix,
							ConcurrencySettingsCollector.format(dependency.getTimeout()))
						+ "its first attempt does, so no retry can ever run.");
			}
		});
	}

	/**
	 * HTTP service client groups ({@code @ImportHttpServices(group = "name")}) call the dependency of the same name
	 * through its guards. Runs after Boot's configurers (properties at order -2147483638, customizers at 0), so the
	 * group's base URL is set; the guard goes first, so filters that customizers add (the deadline filter among them)
	 * run inside it, once per attempt.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(WebClientHttpServiceGroupConfigurer.class)
	static class HttpServiceGroupConfiguration {

		@Bean
		WebClientHttpServiceGroupConfigurer fluxgateDependencyGroupConfigurer(FluxgateDependencies dependencies) {
			return new DependencyGroupConfigurer(dependencies);
		}

	}

	static final class DependencyGroupConfigurer implements WebClientHttpServiceGroupConfigurer {

		private final FluxgateDependencies dependencies;

		DependencyGroupConfigurer(FluxgateDependencies dependencies) {
			this.dependencies = dependencies;
		}

		@Override
		public void configureGroups(Groups<WebClient.Builder> groups) {
			groups.forEachClient((group, builder) -> this.dependencies.guardGroup(group.name(), builder));
		}

		@Override
		public int getOrder() {
			return Ordered.LOWEST_PRECEDENCE - 100;
		}

	}

}

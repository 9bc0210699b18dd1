package dev.fluxgate.autoconfigure;

import dev.fluxgate.autoconfigure.defaults.ConcurrencySettingsContributor;
import dev.fluxgate.autoconfigure.defaults.ConcurrencySettingsReporter;
import dev.fluxgate.autoconfigure.defaults.ConfigurationWarnings;
import dev.fluxgate.background.BackgroundTasksWebFilter;
import dev.fluxgate.deadline.RequestDeadlineWebFilter;
import dev.fluxgate.gate.GateRegistry;
import dev.fluxgate.offload.OffloadWebFilter;
import dev.fluxgate.overload.OverloadExceptionHandler;
import dev.fluxgate.ratelimit.RateLimitWebFilter;
import dev.fluxgate.server.FusedWebFilter;
import dev.fluxgate.server.LoadSheddingWebFilter;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.netty.resources.LoopResources;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.webflux.autoconfigure.WebHttpHandlerBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.web.server.WebFilter;

/**
 * What every other Fluxgate auto-configuration builds on: the concurrency settings report and the warnings about
 * settings that cannot do what they look like, the registry of gates, the renderer of the overload contract, and the
 * fusion of Fluxgate's adjacent edge filters into one filter of Spring's chain.
 */
@AutoConfiguration(beforeName = "org.springframework.boot.webflux.autoconfigure.error.ErrorWebFluxAutoConfiguration")
@ConditionalOnFluxgateEnabled
public final class FluxgateAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ConcurrencySettingsReporter fluxgateConcurrencySettingsReporter(ConfigurableEnvironment environment,
			ObjectProvider<ConcurrencySettingsContributor> contributors) {
		return new ConcurrencySettingsReporter(environment, contributors.orderedStream().toList());
	}

	@Bean
	@ConditionalOnMissingBean
	ConfigurationWarnings fluxgateConfigurationWarnings(ConfigurableEnvironment environment) {
		return new ConfigurationWarnings(environment);
	}

	@Bean
	@ConditionalOnMissingBean
	GateRegistry fluxgateGateRegistry(ObjectProvider<MeterRegistry> meterRegistry) {
		return new GateRegistry(meterRegistry.getIfAvailable());
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
	@ConditionalOnClass(ServerCodecConfigurer.class)
	@EnableConfigurationProperties(FluxgateOverloadProperties.class)
	static class OverloadContractConfiguration {

		@Bean
		@ConditionalOnMissingBean
		OverloadExceptionHandler fluxgateOverloadExceptionHandler(ServerCodecConfigurer codecs,
				ObjectProvider<MeterRegistry> meterRegistry, FluxgateOverloadProperties properties) {
			return new OverloadExceptionHandler(codecs, meterRegistry.getIfAvailable(),
					properties.getDependencyFailures().isEnabled());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
	@ConditionalOnClass(WebHttpHandlerBuilderCustomizer.class)
	static class EdgeFiltersConfiguration {

		/**
		 * Runs Fluxgate's adjacent edge filters as one filter of Spring's chain: the same guards in the same order,
		 * without Spring's per-filter {@code defer} and checkpoint on every request. Last of the customizers, so it
		 * sees every filter another customizer added.
		 */
		@Bean
		@Order(Ordered.LOWEST_PRECEDENCE)
		WebHttpHandlerBuilderCustomizer fluxgateEdgeFilters() {
			return (builder) -> builder
				.filters((filters) -> FusedWebFilter.fuse(filters, EdgeFiltersConfiguration::isFluxgates));
		}

		/** Fluxgate's own edge filters, or an application's subclass of one. */
		static boolean isFluxgates(WebFilter filter) {
			return filter instanceof OffloadWebFilter || filter instanceof BackgroundTasksWebFilter
					|| filter instanceof RequestDeadlineWebFilter || filter instanceof LoadSheddingWebFilter
					|| filter instanceof RateLimitWebFilter;
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(LoopResources.class)
	static class EventLoopSettingsConfiguration {

		@Bean
		ConcurrencySettingsContributor fluxgateEventLoopSettings() {
			return (settings) -> {
				boolean configured = System.getProperty("reactor.netty.ioWorkerCount") != null;
				settings.value("event-loop", "reactor.netty.ioWorkerCount", LoopResources.DEFAULT_IO_WORKER_COUNT,
						configured ? "user system property" : "Reactor Netty default: max(cores, 4)");
			};
		}

	}

}

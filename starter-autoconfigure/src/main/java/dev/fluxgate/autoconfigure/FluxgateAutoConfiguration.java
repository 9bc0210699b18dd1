package dev.fluxgate.autoconfigure;

import dev.fluxgate.autoconfigure.defaults.ConcurrencySettingsContributor;
import dev.fluxgate.autoconfigure.defaults.ConcurrencySettingsReporter;
import dev.fluxgate.autoconfigure.defaults.ConfigurationWarnings;
import dev.fluxgate.gate.GateRegistry;
import dev.fluxgate.overload.OverloadExceptionHandler;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.netty.resources.LoopResources;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.http.codec.ServerCodecConfigurer;

/**
 * What every other Fluxgate auto-configuration builds on: the concurrency settings report and the warnings about
 * settings that cannot do what they look like, the registry of gates, and the renderer of the overload contract.
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

package dev.fluxgate.autoconfigure;

import dev.fluxgate.autoconfigure.defaults.ConcurrencySettingsContributor;
import dev.fluxgate.autoconfigure.defaults.ConcurrencySettingsReporter;
import reactor.netty.resources.LoopResources;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * The concurrency settings report that every other Fluxgate auto-configuration contributes to.
 */
@AutoConfiguration
@ConditionalOnFluxgateEnabled
public final class FluxgateAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ConcurrencySettingsReporter fluxgateConcurrencySettingsReporter(ConfigurableEnvironment environment,
			ObjectProvider<ConcurrencySettingsContributor> contributors) {
		return new ConcurrencySettingsReporter(environment, contributors.orderedStream().toList());
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

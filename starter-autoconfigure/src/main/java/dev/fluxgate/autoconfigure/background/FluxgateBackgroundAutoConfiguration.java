package dev.fluxgate.autoconfigure.background;

import java.time.Duration;

import dev.fluxgate.autoconfigure.ConditionalOnFluxgateEnabled;
import dev.fluxgate.autoconfigure.FluxgateAutoConfiguration;
import dev.fluxgate.autoconfigure.defaults.ConcurrencySettingsContributor;
import dev.fluxgate.background.BackgroundTasks;
import dev.fluxgate.background.BackgroundTasksSettings;
import dev.fluxgate.background.BackgroundTasksWebFilter;
import dev.fluxgate.gate.GateRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.web.server.WebFilter;

/**
 * A bounded {@link BackgroundTasks} bean, drained on graceful shutdown.
 */
@AutoConfiguration(after = FluxgateAutoConfiguration.class)
@ConditionalOnFluxgateEnabled
@EnableConfigurationProperties(FluxgateBackgroundProperties.class)
public final class FluxgateBackgroundAutoConfiguration {

	static final String SHUTDOWN_TIMEOUT_PROPERTY = "spring.lifecycle.timeout-per-shutdown-phase";

	@Bean
	@ConditionalOnMissingBean
	BackgroundTasks fluxgateBackgroundTasks(FluxgateBackgroundProperties properties, GateRegistry gates) {
		return gates.register(new BackgroundTasks(new BackgroundTasksSettings(properties.getConcurrency(),
				properties.getQueueCapacity(), properties.getRetryAfter()), gates.meterRegistry()));
	}

	@Bean
	BackgroundTasksDrain fluxgateBackgroundTasksDrain(BackgroundTasks tasks, Environment environment) {
		return new BackgroundTasksDrain(tasks,
				environment.getProperty(SHUTDOWN_TIMEOUT_PROPERTY, Duration.class, Duration.ofSeconds(30)));
	}

	@Bean
	ConcurrencySettingsContributor fluxgateBackgroundSettings(FluxgateBackgroundProperties properties) {
		return (settings) -> {
			settings.fluxgateProperty("background", "fluxgate.background.concurrency", properties.getConcurrency());
			settings.fluxgateProperty("background", "fluxgate.background.queue-capacity",
					properties.getQueueCapacity());
			settings.bootProperty("background", SHUTDOWN_TIMEOUT_PROPERTY, "30s");
		};
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
	@ConditionalOnClass(WebFilter.class)
	static class AfterResponseConfiguration {

		@Bean
		@ConditionalOnMissingBean
		BackgroundTasksWebFilter fluxgateBackgroundTasksWebFilter(BackgroundTasks tasks) {
			return new BackgroundTasksWebFilter(tasks);
		}

	}

	/**
	 * Drains the background tasks after the web server has stopped taking requests (a lower phase stops later), so
	 * work submitted by the last requests still runs.
	 */
	static final class BackgroundTasksDrain implements SmartLifecycle {

		/** Below the web server's start/stop phase ({@code DEFAULT_PHASE - 2048}). */
		static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

		private final BackgroundTasks tasks;

		private final Duration timeout;

		private volatile boolean running;

		BackgroundTasksDrain(BackgroundTasks tasks, Duration timeout) {
			this.tasks = tasks;
			this.timeout = timeout;
		}

		@Override
		public void start() {
			this.running = true;
		}

		@Override
		public void stop() {
			this.running = false;
			this.tasks.shutdown(this.timeout);
		}

		@Override
		public boolean isRunning() {
			return this.running;
		}

		@Override
		public int getPhase() {
			return PHASE;
		}

	}

}

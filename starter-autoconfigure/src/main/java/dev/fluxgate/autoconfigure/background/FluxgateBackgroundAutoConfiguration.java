package dev.fluxgate.autoconfigure.background;

import java.time.Duration;

import dev.fluxgate.autoconfigure.ConditionalOnFluxgateEnabled;
import dev.fluxgate.autoconfigure.FluxgateAutoConfiguration;
import dev.fluxgate.autoconfigure.defaults.ConcurrencySettingsContributor;
import dev.fluxgate.background.BackgroundTasks;
import dev.fluxgate.background.BackgroundTasksSettings;
import dev.fluxgate.background.BackgroundTasksWebFilter;
import dev.fluxgate.gate.GateRegistry;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.core.env.Environment;
import org.springframework.web.server.WebFilter;

/**
 * A bounded {@link BackgroundTasks} bean, drained on shutdown within the same budget as the web server's graceful
 * shutdown.
 */
@AutoConfiguration(after = FluxgateAutoConfiguration.class)
@ConditionalOnFluxgateEnabled
@EnableConfigurationProperties(FluxgateBackgroundProperties.class)
public final class FluxgateBackgroundAutoConfiguration {

	static final String SHUTDOWN_TIMEOUT_PROPERTY = "spring.lifecycle.timeout-per-shutdown-phase";

	@Bean
	@ConditionalOnMissingBean
	BackgroundTasks fluxgateBackgroundTasks(FluxgateBackgroundProperties properties, GateRegistry gates,
			ObjectProvider<MeterRegistry> meterRegistry) {
		return gates.register(new BackgroundTasks(new BackgroundTasksSettings(properties.getConcurrency(),
				properties.getQueueCapacity(), properties.getRetryAfter()), meterRegistry.getIfAvailable()));
	}

	@Bean
	BackgroundTasksDrain fluxgateBackgroundTasksDrain(BackgroundTasks tasks, Environment environment) {
		return new BackgroundTasksDrain(tasks,
				environment.getProperty(SHUTDOWN_TIMEOUT_PROPERTY, Duration.class, Duration.ofSeconds(30)));
	}

	@Bean
	ConcurrencySettingsContributor fluxgateBackgroundSettings(FluxgateBackgroundProperties properties) {
		return (settings) -> {
			settings.fluxgateProperty("background", "fluxgate.background.threads", properties.getThreads());
			settings.fluxgateProperty("background", "fluxgate.background.queue-capacity",
					properties.getQueueCapacity());
			settings.fluxgateProperty("background", "fluxgate.background.retry-after", properties.getRetryAfter());
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
	 * work submitted by the last requests still runs. The drain shares the shutdown budget with the web server's
	 * graceful shutdown instead of adding a phase of its own: it waits at most what remains of
	 * {@code spring.lifecycle.timeout-per-shutdown-phase} since the context began to close, so the application stops
	 * within the time its platform was told to expect (a second full phase is where a Kubernetes grace period ends
	 * with a SIGKILL and nothing logged). Background tasks keep running during the graceful shutdown, so they get the
	 * same time as requests. The stop is synchronous: bounded by that budget, it logs its outcome before Spring moves
	 * on.
	 */
	static final class BackgroundTasksDrain
			implements SmartLifecycle, ApplicationListener<ContextClosedEvent>, ApplicationContextAware {

		/** Below the web server's start/stop phase ({@code DEFAULT_PHASE - 2048}). */
		static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

		private final BackgroundTasks tasks;

		private final Duration timeout;

		private ApplicationContext context;

		private volatile long closingSince;

		private volatile boolean closing;

		private volatile boolean running;

		BackgroundTasksDrain(BackgroundTasks tasks, Duration timeout) {
			this.tasks = tasks;
			this.timeout = timeout;
		}

		@Override
		public void setApplicationContext(ApplicationContext context) {
			this.context = context;
		}

		@Override
		public void onApplicationEvent(ContextClosedEvent event) {
			// A child context (a management server on its own port) publishes its close here too.
			if (event.getApplicationContext() == this.context) {
				this.closingSince = System.nanoTime();
				this.closing = true;
			}
		}

		@Override
		public void start() {
			this.running = true;
		}

		@Override
		public void stop() {
			this.running = false;
			this.tasks.shutdown(budget());
		}

		/** The timeout, less the time shutdown has already taken when the context is closing. */
		Duration budget() {
			if (!this.closing) {
				return this.timeout;
			}
			Duration spent = Duration.ofNanos(System.nanoTime() - this.closingSince);
			Duration remaining = this.timeout.minus(spent);
			return remaining.isNegative() ? Duration.ZERO : remaining;
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

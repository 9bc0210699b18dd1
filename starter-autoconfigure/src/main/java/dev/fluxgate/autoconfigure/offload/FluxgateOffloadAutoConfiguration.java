package dev.fluxgate.autoconfigure.offload;

import java.util.function.Predicate;

import dev.fluxgate.autoconfigure.ConditionalOnFluxgateEnabled;
import dev.fluxgate.autoconfigure.FluxgateAutoConfiguration;
import dev.fluxgate.autoconfigure.defaults.ConcurrencySettingsContributor;
import dev.fluxgate.gate.GateRegistry;
import dev.fluxgate.offload.BoundedExecutor;
import dev.fluxgate.offload.BoundedExecutorSettings;
import dev.fluxgate.offload.MethodShares;
import dev.fluxgate.offload.Offload;
import dev.fluxgate.offload.OffloadWebFilter;
import dev.fluxgate.offload.OffloadedControllerMethods;
import dev.fluxgate.offload.OffloadedMethodsHandlerAdapter;
import dev.fluxgate.offload.SchedulerQueueWaitHook;
import dev.fluxgate.offload.VirtualThreads;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.reactive.config.BlockingExecutionConfigurer;
import org.springframework.util.function.SingletonSupplier;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerAdapter;

/**
 * Bounded executors for blocking and CPU-heavy work ({@link Offload}), imperative controller methods moved off the
 * event loop onto the blocking one, and queue-wait metrics for Reactor's shared {@code boundedElastic} scheduler.
 */
@AutoConfiguration(after = FluxgateAutoConfiguration.class,
		afterName = "org.springframework.boot.webflux.autoconfigure.WebFluxAutoConfiguration")
@ConditionalOnFluxgateEnabled
@EnableConfigurationProperties(FluxgateOffloadProperties.class)
public final class FluxgateOffloadAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	Offload fluxgateOffload(FluxgateOffloadProperties properties, GateRegistry gates, Environment environment,
			ObjectProvider<MeterRegistry> meterRegistry) {
		MeterRegistry meters = meterRegistry.getIfAvailable();
		FluxgateOffloadProperties.Blocking blocking = properties.getBlocking();
		FluxgateOffloadProperties.Cpu cpu = properties.getCpu();
		BoundedExecutor blockingExecutor = gates.register(new BoundedExecutor(
				new BoundedExecutorSettings("blocking", blocking.getThreads(), blocking.getQueueCapacity(),
						blocking.getKeepAlive(), blocking.getRetryAfter(), virtualThreads(blocking, environment),
						properties.getQueueTarget(), properties.getQueueInterval()),
				meters));
		BoundedExecutor cpuExecutor = gates.register(new BoundedExecutor(new BoundedExecutorSettings("cpu",
				cpu.getThreads(), cpu.getQueueCapacity(), blocking.getKeepAlive(), cpu.getRetryAfter(), false,
				properties.getQueueTarget(), properties.getQueueInterval()), meters));
		return new Offload(blockingExecutor, cpuExecutor);
	}

	/**
	 * Virtual threads when asked for, or when the application chose them for Boot
	 * ({@code spring.threads.virtual.enabled}) on Java 21+: the same choice, with Fluxgate's bounds.
	 */
	static boolean virtualThreads(FluxgateOffloadProperties.Blocking blocking, Environment environment) {
		return blocking.isVirtualThreads() || (VirtualThreads.available()
				&& environment.getProperty("spring.threads.virtual.enabled", Boolean.class, false));
	}

	@Bean
	ConcurrencySettingsContributor fluxgateOffloadSettings(FluxgateOffloadProperties properties,
			Environment environment) {
		return (settings) -> {
			FluxgateOffloadProperties.Blocking blocking = properties.getBlocking();
			settings.fluxgateProperty("offload", "fluxgate.offload.blocking.threads", blocking.getThreads());
			settings.fluxgateProperty("offload", "fluxgate.offload.blocking.queue-capacity",
					blocking.getQueueCapacity());
			settings.fluxgateProperty("offload", "fluxgate.offload.blocking.controllers", blocking.isControllers());
			settings.fluxgateProperty("offload", "fluxgate.offload.blocking.exclude", blocking.getExclude());
			settings.fluxgateProperty("offload", "fluxgate.offload.blocking.keep-alive", blocking.getKeepAlive());
			settings.fluxgateProperty("offload", "fluxgate.offload.blocking.retry-after", blocking.getRetryAfter());
			settings.fluxgateProperty("offload", "fluxgate.offload.cpu.retry-after", properties.getCpu().getRetryAfter());
			settings.fluxgateProperty("offload", "fluxgate.offload.blocking.method-share",
					blocking.getMethodShare() + " %");
			settings.fluxgateProperty("offload", "fluxgate.offload.queue-target", properties.getQueueTarget());
			settings.fluxgateProperty("offload", "fluxgate.offload.queue-interval", properties.getQueueInterval());
			settings.fluxgateProperty("offload", "fluxgate.offload.blocking.virtual-threads",
					virtualThreads(blocking, environment));
			settings.fluxgateProperty("offload", "fluxgate.offload.cpu.threads", properties.getCpu().getThreads());
			settings.fluxgateProperty("offload", "fluxgate.offload.cpu.queue-capacity",
					properties.getCpu().getQueueCapacity());
			settings.value("offload", "reactor boundedElastic", "10 x cores threads, 100000 queued per thread",
					"Reactor default (measured by fluxgate.scheduler.queue.wait)");
		};
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterRegistry.class)
	@ConditionalOnBooleanProperty(name = "fluxgate.offload.bounded-elastic-metrics", matchIfMissing = true)
	static class BoundedElasticMetricsConfiguration {

		@Bean(destroyMethod = "close")
		@ConditionalOnMissingBean
		SchedulerQueueWaitHook fluxgateSchedulerQueueWaitHook(ObjectProvider<MeterRegistry> meterRegistry) {
			return new SchedulerQueueWaitHook(meterRegistry.getIfAvailable()).install();
		}

	}

	/**
	 * Also without controller offloading: besides mapping a full executor to 503, the filter keeps the request's
	 * normal endings (client gone, body too slow, cancelled task) out of the ERROR log.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
	@ConditionalOnClass(WebFluxConfigurer.class)
	static class OffloadWebFilterConfiguration {

		@Bean
		@ConditionalOnMissingBean
		OffloadWebFilter fluxgateOffloadWebFilter() {
			return new OffloadWebFilter();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
	@ConditionalOnClass(WebFluxConfigurer.class)
	@ConditionalOnBooleanProperty(name = "fluxgate.offload.blocking.controllers", matchIfMissing = true)
	static class ControllerOffloadConfiguration {

		/**
		 * Runs after Boot's own configurer (which sets an unbounded virtual-thread executor when
		 * {@code spring.threads.virtual.enabled=true}) so the bounded executor is the one in force.
		 */
		@Bean
		WebFluxConfigurer fluxgateBlockingExecutionConfigurer(Offload offload, FluxgateOffloadProperties properties) {
			return new BlockingExecutionWebFluxConfigurer(offload.blockingExecutor(),
					new PerMethodDecisions(new OffloadedControllerMethods(properties.getBlocking().getExclude())));
		}

		/**
		 * A fair share of the blocking executor per controller method, unless {@code method-share} is 100: a
		 * method may hold that share of the threads, and its further requests wait for their own method, not in
		 * front of everyone else's.
		 */
		@Bean
		@ConditionalOnExpression("${fluxgate.offload.blocking.method-share:75} < 100")
		OffloadedMethodsHandlerAdapter fluxgateOffloadedMethodsHandlerAdapter(Offload offload,
				FluxgateOffloadProperties properties, GateRegistry gates,
				ObjectProvider<RequestMappingHandlerAdapter> adapter, ObjectProvider<MeterRegistry> meterRegistry) {
			FluxgateOffloadProperties.Blocking blocking = properties.getBlocking();
			MethodShares shares = gates.register(new MethodShares("blocking-methods",
					MethodShares.of(offload.blockingExecutor().settings().threads(), blocking.getMethodShare()),
					blocking.getQueueCapacity(), blocking.getRetryAfter(), meterRegistry.getIfAvailable()));
			return new OffloadedMethodsHandlerAdapter(SingletonSupplier.of(adapter::getObject),
					new PerMethodDecisions(new OffloadedControllerMethods(blocking.getExclude())), shares);
		}

	}

	private record BlockingExecutionWebFluxConfigurer(BoundedExecutor executor,
			Predicate<HandlerMethod> predicate) implements WebFluxConfigurer, Ordered {

		@Override
		public void configureBlockingExecution(BlockingExecutionConfigurer configurer) {
			configurer.setExecutor(this.executor).setControllerMethodPredicate(this.predicate);
		}

		@Override
		public int getOrder() {
			return Ordered.LOWEST_PRECEDENCE;
		}

	}

}

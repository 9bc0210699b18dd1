package dev.fluxgate.autoconfigure.eventloop;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import dev.fluxgate.autoconfigure.ConditionalOnFluxgateEnabled;
import dev.fluxgate.autoconfigure.FluxgateAutoConfiguration;
import dev.fluxgate.autoconfigure.defaults.ConcurrencySettingsContributor;
import dev.fluxgate.autoconfigure.redis.RedisUsage;
import dev.fluxgate.eventloop.BlockingDetection;
import dev.fluxgate.eventloop.BlockingDetectionMode;
import dev.fluxgate.eventloop.EventLoopProbe;
import dev.fluxgate.eventloop.EventLoopProbeSettings;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.EventLoopGroupProvider;
import io.lettuce.core.resource.Transports;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.util.concurrent.EventExecutorGroup;
import org.jspecify.annotations.Nullable;
import reactor.netty.http.HttpResources;
import reactor.netty.resources.LoopResources;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * Watches the event loops: the lag probe and stall watchdog, and BlockHound-based blocking-call detection.
 */
@AutoConfiguration(after = FluxgateAutoConfiguration.class)
@ConditionalOnFluxgateEnabled
@EnableConfigurationProperties({ FluxgateEventLoopProperties.class, FluxgateBlockingDetectionProperties.class })
public final class FluxgateEventLoopAutoConfiguration {

	@Bean
	ConcurrencySettingsContributor fluxgateEventLoopProbeSettings(FluxgateEventLoopProperties eventLoop,
			FluxgateBlockingDetectionProperties blockingDetection) {
		return (settings) -> {
			settings.fluxgateProperty("event-loop", "fluxgate.event-loop.enabled", eventLoop.isEnabled());
			settings.fluxgateProperty("event-loop", "fluxgate.event-loop.interval", eventLoop.getInterval());
			settings.fluxgateProperty("event-loop", "fluxgate.event-loop.stall-threshold",
					eventLoop.getStallThreshold());
			settings.fluxgateProperty("event-loop", "fluxgate.event-loop.stall-log-interval",
					eventLoop.getStallLogInterval());
			settings.fluxgateProperty("event-loop", "fluxgate.blocking-detection.mode",
					blockingDetection.getMode().name().toLowerCase());
		};
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
	@ConditionalOnClass({ LoopResources.class, EventExecutorGroup.class })
	@ConditionalOnBooleanProperty(name = "fluxgate.event-loop.enabled", matchIfMissing = true)
	static class EventLoopProbeConfiguration {

		@Bean
		@ConditionalOnMissingBean
		EventLoopProbeLifecycle fluxgateEventLoopProbe(FluxgateEventLoopProperties properties,
				ObjectProvider<MeterRegistry> meterRegistry, ObjectProvider<EventLoopGroupSource> sources) {
			MeterRegistry registry = meterRegistry.getIfAvailable();
			EventLoopProbeSettings settings = new EventLoopProbeSettings(properties.getInterval(),
					properties.getStallThreshold(), properties.getStallLogInterval());
			List<EventLoopGroupSource> all = sources.orderedStream().toList();
			return new EventLoopProbeLifecycle(new EventLoopProbe(settings, registry, () -> {
				Map<String, EventExecutorGroup> groups = new LinkedHashMap<>();
				all.forEach((source) -> source.acquire().ifPresent((group) -> groups.put(source.name(), group)));
				return groups;
			}), all);
		}

		/**
		 * The loops Boot's Netty server and WebClient run on: the resource factory's, else Reactor Netty's global ones.
		 */
		@Bean
		EventLoopGroupSource fluxgateReactorNettyEventLoops(ObjectProvider<ReactorResourceFactory> resourceFactory) {
			return new EventLoopGroupSource() {
				@Override
				public String name() {
					return "reactor-netty";
				}

				@Override
				public Optional<EventExecutorGroup> acquire() {
					ReactorResourceFactory factory = resourceFactory.getIfAvailable();
					LoopResources loops = (factory != null) ? factory.getLoopResources() : HttpResources.get();
					return Optional.of(loops.onServer(LoopResources.DEFAULT_NATIVE));
				}
			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
	@ConditionalOnClass({ ClientResources.class, EventExecutorGroup.class, LoopResources.class })
	@ConditionalOnBooleanProperty(name = "fluxgate.event-loop.enabled", matchIfMissing = true)
	static class LettuceEventLoopsConfiguration {

		/**
		 * Lettuce's I/O loops, when the application has a Lettuce {@code ClientResources} bean and uses Redis (a
		 * probe must not start loops that an app with Redis switched off never would). Allocating takes a reference
		 * to the shared group, released when the probe stops.
		 */
		@Bean
		EventLoopGroupSource fluxgateLettuceEventLoops(ObjectProvider<ClientResources> clientResources,
				Environment environment) {
			return new EventLoopGroupSource() {

				private EventLoopGroupProvider provider;

				private EventExecutorGroup group;

				@Override
				public String name() {
					return "lettuce";
				}

				@Override
				public synchronized Optional<EventExecutorGroup> acquire() {
					ClientResources resources = RedisUsage.inUse(environment) ? clientResources.getIfAvailable() : null;
					if (resources == null) {
						return Optional.empty();
					}
					this.provider = resources.eventLoopGroupProvider();
					this.group = this.provider.allocate(Transports.eventLoopGroupClass());
					return Optional.of(this.group);
				}

				@Override
				public synchronized void release() {
					if (this.group != null) {
						this.provider.release(this.group, 0, 2, TimeUnit.SECONDS);
						this.group = null;
					}
				}
			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "reactor.blockhound.BlockHound")
	static class BlockingDetectionConfiguration {

		@Bean
		BlockingDetectionActivation fluxgateBlockingDetection(FluxgateBlockingDetectionProperties properties,
				ObjectProvider<MeterRegistry> meterRegistry) {
			return new BlockingDetectionActivation(properties.getMode(), meterRegistry.getIfAvailable());
		}

	}

	/**
	 * Starts the probe once the web server runs (last phase) and stops it first.
	 */
	static final class EventLoopProbeLifecycle implements SmartLifecycle {

		private final EventLoopProbe probe;

		private final List<EventLoopGroupSource> sources;

		EventLoopProbeLifecycle(EventLoopProbe probe, List<EventLoopGroupSource> sources) {
			this.probe = probe;
			this.sources = sources;
		}

		EventLoopProbe probe() {
			return this.probe;
		}

		@Override
		public void start() {
			this.probe.start();
		}

		@Override
		public void stop() {
			this.probe.close();
			this.sources.forEach(EventLoopGroupSource::release);
		}

		@Override
		public boolean isRunning() {
			return this.probe.isRunning();
		}

	}

	/**
	 * A group of event loops to probe, under a short bounded name (the {@code group} tag).
	 */
	interface EventLoopGroupSource {

		String name();

		/**
		 * The group, taken when the probe starts.
		 * @return the group, or empty when the application does not have it
		 */
		Optional<EventExecutorGroup> acquire();

		/**
		 * Give back what {@link #acquire()} took, when the probe stops.
		 */
		default void release() {
		}

	}

	/**
	 * Applies the configured mode unless a stricter one is already in force (a test run under
	 * {@code StrictBlockingDetection} stays strict), and restores the earlier mode when the context closes.
	 */
	static final class BlockingDetectionActivation implements InitializingBean, DisposableBean {

		private final BlockingDetectionMode mode;

		private final @Nullable MeterRegistry registry;

		private BlockingDetectionMode previous;

		BlockingDetectionActivation(BlockingDetectionMode mode, @Nullable MeterRegistry registry) {
			this.mode = mode;
			this.registry = registry;
		}

		@Override
		public void afterPropertiesSet() {
			BlockingDetectionMode current = BlockingDetection.mode();
			if (this.mode.compareTo(current) > 0) {
				this.previous = BlockingDetection.apply(this.mode, this.registry);
			}
		}

		@Override
		public void destroy() {
			if (this.previous != null) {
				BlockingDetection.apply(this.previous, null);
			}
		}

	}

}

package dev.fluxgate.autoconfigure.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.fluxgate.autoconfigure.ConditionalOnFluxgateEnabled;
import dev.fluxgate.autoconfigure.defaults.BootPropertyDefaults;
import dev.fluxgate.autoconfigure.defaults.ConcurrencySettingsContributor;
import dev.fluxgate.deadline.DeadlineSettings;
import dev.fluxgate.deadline.RequestDeadlineWebFilter;
import dev.fluxgate.deadline.webclient.DeadlineExchangeFilterFunction;
import dev.fluxgate.gate.GateRegistry;
import dev.fluxgate.limit.ConcurrencyLimit;
import dev.fluxgate.limit.GradientLimit;
import dev.fluxgate.limit.GradientLimitSettings;
import dev.fluxgate.server.HttpConnectionTimeouts;
import dev.fluxgate.server.LoadShedder;
import dev.fluxgate.server.LoadSheddingWebFilter;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.netty.http.server.HttpServer;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * The server edge: Reactor Netty limits Boot has no property for, a deadline for every request (propagated to
 * WebClient calls here, and to R2DBC statements by {@code FluxgateR2dbcAutoConfiguration}), and load shedding. The
 * keep-alive idle timeout and multipart limits are Boot's properties, for which Fluxgate gives finite defaults; the
 * idle timeout's is kept by Fluxgate's own connection handler ({@link HttpConnectionTimeouts}).
 * <p>
 * WebFilter order (outermost first, see {@link dev.fluxgate.server.ServerFilterOrder}): request deadline, load
 * shedding, then (reserved) rate limiting, then Spring Security and the application's filters.
 */
@AutoConfiguration(beforeName = "org.springframework.boot.reactor.netty.autoconfigure.NettyReactiveWebServerAutoConfiguration")
@ConditionalOnFluxgateEnabled
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass({ HttpServer.class, NettyServerCustomizer.class })
@EnableConfigurationProperties(FluxgateServerProperties.class)
public final class FluxgateServerAutoConfiguration {

	/** Name of the server's shedding gate in the {@link GateRegistry}. */
	public static final String GATE_NAME = "server";

	/**
	 * Runs first, so the application's own server customizers may override the read timeouts. Keeps Fluxgate's
	 * default idle timeout ({@link BootPropertyDefaults#SERVER_IDLE_TIMEOUT}) unless the application sets
	 * {@value BootPropertyDefaults#SERVER_IDLE_TIMEOUT_PROPERTY}, which Boot applies as Reactor Netty's.
	 */
	@Bean
	@Order(Ordered.HIGHEST_PRECEDENCE)
	NettyServerCustomizer fluxgateNettyServerCustomizer(FluxgateServerProperties properties, Environment environment) {
		boolean defaultIdleTimeout = BootPropertyDefaults.appliesServerIdleTimeout(environment);
		Duration requestReadTimeout = properties.getRequestReadTimeout();
		return (server) -> {
			HttpServer customized = server;
			if (!properties.getReadTimeout().isZero()) {
				customized = customized.readTimeout(properties.getReadTimeout());
			}
			Duration idleTimeout = null;
			if (defaultIdleTimeout) {
				if (HttpConnectionTimeouts.canKeepIdleTimeout(customized)) {
					idleTimeout = BootPropertyDefaults.SERVER_IDLE_TIMEOUT;
				}
				else {
					customized = customized.idleTimeout(BootPropertyDefaults.SERVER_IDLE_TIMEOUT);
				}
			}
			return HttpConnectionTimeouts.applyTo(customized, idleTimeout,
					requestReadTimeout.isZero() ? null : requestReadTimeout);
		};
	}

	@Bean
	@ConditionalOnMissingBean
	RequestDeadlineWebFilter fluxgateRequestDeadlineWebFilter(FluxgateServerProperties properties,
			Environment environment, ObjectProvider<MeterRegistry> meterRegistry) {
		FluxgateServerProperties.Deadline deadline = properties.getDeadline();
		Duration timeout = properties.getRequestTimeout().isZero() ? null : properties.getRequestTimeout();
		DeadlineSettings settings = new DeadlineSettings(timeout, headerOrNull(deadline.getHeader()),
				deadline.isEnvoyHeader(), withAlwaysExcluded(deadline.getExcludedPaths(), environment));
		return new RequestDeadlineWebFilter(settings, meterRegistry.getIfAvailable());
	}

	@Bean
	ConcurrencySettingsContributor fluxgateServerSettings(FluxgateServerProperties properties,
			Environment environment) {
		return (settings) -> {
			if (BootPropertyDefaults.appliesServerIdleTimeout(environment)) {
				settings.fluxgateProperty("server", BootPropertyDefaults.SERVER_IDLE_TIMEOUT_PROPERTY,
						BootPropertyDefaults.SERVER_IDLE_TIMEOUT);
			}
			else {
				settings.bootProperty("server", BootPropertyDefaults.SERVER_IDLE_TIMEOUT_PROPERTY, "none");
			}
			settings.fluxgateProperty("server", "fluxgate.server.read-timeout", properties.getReadTimeout());
			settings.fluxgateProperty("server", "fluxgate.server.request-read-timeout",
					properties.getRequestReadTimeout());
			settings.fluxgateProperty("server", "fluxgate.server.request-timeout", properties.getRequestTimeout());
			settings.fluxgateProperty("server", "fluxgate.server.deadline.header", properties.getDeadline().getHeader());
			settings.fluxgateProperty("server", "fluxgate.server.deadline.margin", properties.getDeadline().getMargin());
			settings.fluxgateProperty("server", "fluxgate.server.concurrency.mode",
					properties.getConcurrency().getMode());
			settings.fluxgateProperty("server", "fluxgate.server.concurrency.limit",
					properties.getConcurrency().getLimit());
			settings.fluxgateProperty("server", "fluxgate.server.concurrency.shadow",
					properties.getConcurrency().isShadow());
			settings.fluxgateProperty("server", "fluxgate.server.concurrency.retry-after",
					properties.getConcurrency().getRetryAfter());
			settings.fluxgateProperty("server", "fluxgate.server.concurrency.excluded-paths",
					properties.getConcurrency().getExcludedPaths());
			settings.fluxgateProperty("server", "fluxgate.server.deadline.forward",
					properties.getDeadline().isForward());
			settings.fluxgateProperty("server", "fluxgate.server.deadline.envoy-header",
					properties.getDeadline().isEnvoyHeader());
			settings.fluxgateProperty("server", "fluxgate.server.deadline.excluded-paths",
					properties.getDeadline().getExcludedPaths());
			settings.bootProperty("server", "spring.webflux.multipart.max-parts", "-1");
			settings.bootProperty("server", "spring.webflux.multipart.max-disk-usage-per-part", "-1");
		};
	}

	static String headerOrNull(String header) {
		return StringUtils.hasText(header) ? header : null;
	}

	/**
	 * The user's patterns plus actuator and Kubernetes probe paths: a guard must never make an overloaded instance
	 * fail its health checks and get restarted, which moves its load onto the others.
	 */
	static List<String> withAlwaysExcluded(List<String> userPatterns, Environment environment) {
		List<String> patterns = new ArrayList<>(userPatterns);
		String basePath = environment.getProperty("management.endpoints.web.base-path", "/actuator");
		String trimmed = basePath.endsWith("/") ? basePath.substring(0, basePath.length() - 1) : basePath;
		patterns.add(trimmed.isEmpty() ? "/health/**" : trimmed + "/**");
		patterns.add("/livez");
		patterns.add("/readyz");
		return patterns;
	}

	@Configuration(proxyBeanMethods = false)
	@Conditional(ConcurrencyModeCondition.class)
	static class LoadSheddingConfiguration {

		@Bean
		@ConditionalOnMissingBean
		LoadShedder fluxgateServerLoadShedder(FluxgateServerProperties properties,
				ObjectProvider<GateRegistry> gateRegistry, ObjectProvider<MeterRegistry> meterRegistry) {
			FluxgateServerProperties.Concurrency concurrency = properties.getConcurrency();
			ConcurrencyLimit limit = (concurrency.getMode() == FluxgateServerProperties.Concurrency.Mode.ADAPTIVE)
					? new GradientLimit(GradientLimitSettings.withCeiling(concurrency.getLimit()))
					: ConcurrencyLimit.fixed(concurrency.getLimit());
			GateRegistry registry = gateRegistry.getIfAvailable();
			MeterRegistry meters = meterRegistry.getIfAvailable();
			LoadShedder shedder = new LoadShedder(GATE_NAME, limit, concurrency.isShadow(), meters);
			return (registry != null) ? registry.register(shedder) : shedder;
		}

		@Bean
		@ConditionalOnMissingBean
		LoadSheddingWebFilter fluxgateLoadSheddingWebFilter(LoadShedder shedder, FluxgateServerProperties properties,
				Environment environment) {
			FluxgateServerProperties.Concurrency concurrency = properties.getConcurrency();
			return new LoadSheddingWebFilter(shedder, concurrency.getRetryAfter(),
					withAlwaysExcluded(concurrency.getExcludedPaths(), environment));
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ WebClient.class, WebClientCustomizer.class })
	static class DeadlinePropagationWebClientConfiguration {

		/**
		 * Applies to the auto-configured WebClient.Builder and to HTTP service client groups.
		 */
		@Bean
		WebClientCustomizer fluxgateDeadlineWebClientCustomizer(FluxgateServerProperties properties) {
			FluxgateServerProperties.Deadline deadline = properties.getDeadline();
			DeadlineExchangeFilterFunction filter = new DeadlineExchangeFilterFunction(
					deadline.isForward() ? headerOrNull(deadline.getHeader()) : null, deadline.getMargin());
			return (builder) -> builder.filter(filter);
		}

	}

}

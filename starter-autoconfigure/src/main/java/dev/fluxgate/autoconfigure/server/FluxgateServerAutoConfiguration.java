package dev.fluxgate.autoconfigure.server;

import dev.fluxgate.autoconfigure.ConditionalOnFluxgateEnabled;
import dev.fluxgate.autoconfigure.defaults.ConcurrencySettingsContributor;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Reactor Netty server limits Boot has no property for. Keep-alive idle timeout and multipart limits are Boot's
 * properties, for which Fluxgate installs finite defaults.
 */
@AutoConfiguration(beforeName = "org.springframework.boot.reactor.netty.autoconfigure.NettyReactiveWebServerAutoConfiguration")
@ConditionalOnFluxgateEnabled
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass({ HttpServer.class, NettyServerCustomizer.class })
@EnableConfigurationProperties(FluxgateServerProperties.class)
public final class FluxgateServerAutoConfiguration {

	/**
	 * Runs first, so the application's own server customizers may override the read timeout.
	 */
	@Bean
	@Order(Ordered.HIGHEST_PRECEDENCE)
	NettyServerCustomizer fluxgateNettyServerCustomizer(FluxgateServerProperties properties) {
		return (server) -> properties.getReadTimeout().isZero() ? server
				: server.readTimeout(properties.getReadTimeout());
	}

	@Bean
	ConcurrencySettingsContributor fluxgateServerSettings(FluxgateServerProperties properties) {
		return (settings) -> {
			settings.bootProperty("server", "server.netty.idle-timeout", "none");
			settings.fluxgateProperty("server", "fluxgate.server.read-timeout", properties.getReadTimeout());
			settings.bootProperty("server", "spring.webflux.multipart.max-parts", "-1");
			settings.bootProperty("server", "spring.webflux.multipart.max-disk-usage-per-part", "-1");
		};
	}

}

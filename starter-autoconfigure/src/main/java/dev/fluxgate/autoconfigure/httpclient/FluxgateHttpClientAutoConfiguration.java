package dev.fluxgate.autoconfigure.httpclient;

import dev.fluxgate.autoconfigure.ConditionalOnFluxgateEnabled;
import dev.fluxgate.autoconfigure.defaults.ConcurrencySettingsContributor;
import dev.fluxgate.httpclient.ConnectionProviders;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.http.client.autoconfigure.reactive.ClientHttpConnectorBuilderCustomizer;
import org.springframework.boot.http.client.reactive.ReactorClientHttpConnectorBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.core.annotation.Order;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * Gives the auto-configured {@code WebClient.Builder} (and HTTP service client groups) a dedicated, bounded
 * connection pool instead of Reactor Netty's JVM-global one. Backs off when the application defines its own
 * {@link ReactorResourceFactory}; uses the application's {@link ConnectionProvider} bean when it has one.
 */
@AutoConfiguration(beforeName = {
		"org.springframework.boot.http.client.autoconfigure.reactive.ReactiveHttpClientAutoConfiguration",
		"org.springframework.boot.reactor.netty.autoconfigure.NettyReactiveWebServerAutoConfiguration" })
@ConditionalOnFluxgateEnabled
@ConditionalOnClass({ HttpClient.class, ReactorResourceFactory.class, ReactorClientHttpConnectorBuilder.class,
		ClientHttpConnectorBuilderCustomizer.class })
@ConditionalOnMissingBean(ReactorResourceFactory.class)
@EnableConfigurationProperties(FluxgateHttpClientProperties.class)
public final class FluxgateHttpClientAutoConfiguration {

	/** Name of the pool: thread names, logs and the {@code name} tag of its meters. */
	public static final String POOL_NAME = "fluxgate";

	static final String CONNECTION_PROVIDER_BEAN = "fluxgateConnectionProvider";

	@Bean(name = CONNECTION_PROVIDER_BEAN, destroyMethod = "dispose")
	@ConditionalOnMissingBean
	ConnectionProvider fluxgateConnectionProvider(FluxgateHttpClientProperties properties) {
		return ConnectionProviders.bounded(POOL_NAME, properties.getPool().toSettings());
	}

	/**
	 * Ordered after Boot's own customizer (order 0), which selects the shared resources; this one replaces only the
	 * connection pool and keeps the event loops.
	 */
	@Bean
	@Order(10)
	ClientHttpConnectorBuilderCustomizer<ReactorClientHttpConnectorBuilder> fluxgateConnectionProviderCustomizer(
			ObjectProvider<ConnectionProvider> connectionProviders) {
		return (builder) -> {
			ConnectionProvider connectionProvider = connectionProviders.getIfUnique();
			return (connectionProvider != null)
					? builder.withHttpClientFactory(() -> HttpClient.create(connectionProvider)) : builder;
		};
	}

	@Bean
	ConcurrencySettingsContributor fluxgateHttpClientSettings(FluxgateHttpClientProperties properties,
			ObjectProvider<ConnectionProvider> connectionProviders) {
		return (settings) -> {
			settings.bootProperty("http-client", "spring.http.clients.read-timeout", "none");
			settings.bootProperty("http-client", "spring.http.clients.connect-timeout", "30s");
			ConnectionProvider provider = connectionProviders.getIfUnique();
			if (provider != null && POOL_NAME.equals(provider.name())) {
				FluxgateHttpClientProperties.Pool pool = properties.getPool();
				String prefix = "fluxgate.http-client.pool.";
				settings.fluxgateProperty("http-client", prefix + "max-connections", pool.getMaxConnections());
				settings.fluxgateProperty("http-client", prefix + "pending-acquire-max-count",
						pool.getPendingAcquireMaxCount());
				settings.fluxgateProperty("http-client", prefix + "pending-acquire-timeout",
						pool.getPendingAcquireTimeout());
				settings.fluxgateProperty("http-client", prefix + "max-idle-time", pool.getMaxIdleTime());
				settings.fluxgateProperty("http-client", prefix + "max-life-time", pool.getMaxLifeTime());
				settings.fluxgateProperty("http-client", prefix + "evict-in-background", pool.getEvictInBackground());
				settings.fluxgateProperty("http-client", prefix + "metrics", pool.isMetrics());
				settings.requireNotLonger(prefix + "pending-acquire-timeout", pool.getPendingAcquireTimeout(),
						"spring.http.clients.read-timeout");
			}
			else if (provider != null) {
				settings.value("http-client", "connection-provider", provider.name(),
						"user bean (ConnectionProvider, max " + provider.maxConnections() + " per host)");
			}
		};
	}

}

package dev.fluxgate.autoconfigure.defaults;

import java.time.Duration;
import java.util.Map;

import dev.fluxgate.autoconfigure.FluxgateAutoConfiguration;
import dev.fluxgate.autoconfigure.httpclient.FluxgateHttpClientAutoConfiguration;
import dev.fluxgate.autoconfigure.r2dbc.FluxgateR2dbcAutoConfiguration;
import dev.fluxgate.autoconfigure.redis.FluxgateRedisAutoConfiguration;
import dev.fluxgate.autoconfigure.server.FluxgateServerAutoConfiguration;
import dev.fluxgate.test.FluxgateDefaultsInitializer;
import dev.fluxgate.test.FluxgateTestApplication;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.spi.ConnectionFactory;
import org.junit.jupiter.api.Test;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.reactive.ReactiveHttpClientAutoConfiguration;
import org.springframework.boot.r2dbc.autoconfigure.R2dbcAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who wins: user properties and beans always beat Fluxgate's defaults; {@code fluxgate.enabled=false} restores Boot;
 * optional integrations are optional.
 */
class FluxgateDefaultsTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withInitializer(new FluxgateDefaultsInitializer())
		.withConfiguration(AutoConfigurations.of(FluxgateAutoConfiguration.class,
				FluxgateHttpClientAutoConfiguration.class, FluxgateR2dbcAutoConfiguration.class,
				FluxgateRedisAutoConfiguration.class, FluxgateServerAutoConfiguration.class,
				HttpClientAutoConfiguration.class, ReactiveHttpClientAutoConfiguration.class,
				WebClientAutoConfiguration.class, R2dbcAutoConfiguration.class, DataRedisAutoConfiguration.class,
				DataRedisReactiveAutoConfiguration.class))
		.withPropertyValues("spring.r2dbc.url=r2dbc:h2:mem:///defaults");

	@Test
	void userPropertyBeatsFluxgateDefault() {
		this.runner.withPropertyValues("spring.http.clients.read-timeout=42s", "spring.r2dbc.pool.max-acquire-time=7s")
			.run((context) -> {
				assertThat(context.getBean(HttpClientSettings.class).readTimeout()).isEqualTo(Duration.ofSeconds(42));
				assertThat(context.getEnvironment().getProperty("spring.r2dbc.pool.max-acquire-time")).isEqualTo("7s");
			});
	}

	@Test
	void commandLineArgumentBeatsFluxgateDefaultInARealApplication() {
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(FluxgateTestApplication.class)
			.web(WebApplicationType.NONE)
			.run("--spring.data.redis.timeout=9s", "--spring.r2dbc.url=r2dbc:h2:mem:///cli")) {
			assertThat(context.getEnvironment().getProperty("spring.data.redis.timeout")).isEqualTo("9s");
			assertThat(context.getEnvironment().getProperty("spring.http.clients.read-timeout")).isEqualTo("10s");
		}
	}

	@Test
	void applicationsOwnDefaultPropertiesBeatFluxgates() {
		SpringApplicationBuilder builder = new SpringApplicationBuilder(FluxgateTestApplication.class)
			.web(WebApplicationType.NONE);
		builder.application()
			.setDefaultProperties(Map.of("spring.http.clients.read-timeout", "33s", "spring.r2dbc.url",
					"r2dbc:h2:mem:///own-defaults"));
		try (ConfigurableApplicationContext context = builder.run()) {
			assertThat(context.getBean(HttpClientSettings.class).readTimeout()).isEqualTo(Duration.ofSeconds(33));
			assertThat(context.getBean(HttpClientSettings.class).connectTimeout()).isEqualTo(Duration.ofSeconds(3));
		}
	}

	@Test
	void userConnectionProviderIsUsedAndFluxgatesIsNotCreated() {
		this.runner.withUserConfiguration(UserConnectionProvider.class).run((context) -> {
			assertThat(context).hasSingleBean(ConnectionProvider.class).doesNotHaveBean("fluxgateConnectionProvider");
			assertThat(context.getBean(ConnectionProvider.class).name()).isEqualTo("mine");
		});
	}

	@Test
	void userReactorResourceFactoryMakesFluxgateLeaveTheClientAlone() {
		this.runner.withUserConfiguration(UserResourceFactory.class)
			.run((context) -> assertThat(context).doesNotHaveBean(ConnectionProvider.class)
				.doesNotHaveBean("fluxgateConnectionProviderCustomizer"));
	}

	@Test
	void userConnectionFactoryIsNotRebuilt() {
		this.runner.withUserConfiguration(UserConnectionFactory.class).run((context) -> {
			ConnectionPool pool = context.getBean(ConnectionPool.class);
			assertThat(pool).isSameAs(UserConnectionFactory.pool);
			assertThat(pool.getMetrics().orElseThrow().getMaxPendingAcquireSize()).isEqualTo(Integer.MAX_VALUE);
		});
	}

	@Test
	void disabledFluxgateInstallsNothing() {
		this.runner.withPropertyValues("fluxgate.enabled=false").run((context) -> {
			assertThat(context).doesNotHaveBean(ConnectionProvider.class)
				.doesNotHaveBean(ConcurrencySettingsReporter.class);
			assertThat(context.getBean(HttpClientSettings.class).readTimeout()).isNull();
			assertThat(context.getEnvironment().containsProperty("spring.data.redis.timeout")).isFalse();
			ConnectionPool pool = context.getBean(ConnectionPool.class);
			assertThat(pool.getMetrics().orElseThrow().getMaxPendingAcquireSize()).isEqualTo(Integer.MAX_VALUE);
		});
	}

	@Test
	void r2dbcPoolUrlStartsAndGetsNoPoolPropertyDefaults() {
		this.runner.withPropertyValues("spring.r2dbc.url=r2dbc:pool:h2:mem:///pool-url?maxSize=3").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getEnvironment().containsProperty("spring.r2dbc.pool.max-acquire-time")).isFalse();
			assertThat(context.getBean(ConnectionFactory.class)).isInstanceOf(ConnectionPool.class);
		});
	}

	@Test
	void appWithoutR2dbcPoolStartsUnpooledWithoutPoolDefaults() {
		this.runner.withClassLoader(new FilteredClassLoader(ConnectionPool.class)).run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(ConnectionFactory.class);
			assertThat(context.getEnvironment().containsProperty("spring.r2dbc.pool.max-acquire-time")).isFalse();
			assertThat(context.getEnvironment().getProperty("spring.http.clients.read-timeout")).isEqualTo("10s");
		});
	}

	@Test
	void appWithoutR2dbcAtAllStarts() {
		this.runner.withClassLoader(new FilteredClassLoader("io.r2dbc", "org.springframework.r2dbc"))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(ConnectionFactory.class)
				.hasSingleBean(ConnectionProvider.class));
	}

	@Test
	void appWithoutRedisStarts() {
		this.runner.withClassLoader(new FilteredClassLoader("io.lettuce", "org.springframework.data.redis"))
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(dev.fluxgate.autoconfigure.redis.FluxgateRedisProperties.class)
				.hasSingleBean(ConnectionProvider.class));
	}

	@Test
	void appWithoutActuatorOrMicrometerRegistryStarts() {
		this.runner.withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate"))
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(ConcurrencySettingsReporter.class));
	}

	@Test
	void maxSizeBelowBootsInitialSizeNoLongerBreaksStartup() {
		this.runner.withPropertyValues("spring.r2dbc.pool.max-size=3").run((context) -> {
			assertThat(context).hasNotFailed();
			ConnectionPool pool = context.getBean(ConnectionPool.class);
			assertThat(pool.getMetrics().orElseThrow().getMaxAllocatedSize()).isEqualTo(3);
		});
	}

	@Test
	void everyInstalledDefaultIsDocumentedWithItsReason() {
		assertThat(BootPropertyDefaults.all()).allSatisfy((entry) -> {
			assertThat(entry.reason()).isNotBlank();
			assertThat(entry.bootDefault()).isNotBlank();
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class UserConnectionProvider {

		@Bean(destroyMethod = "dispose")
		ConnectionProvider mine() {
			return ConnectionProvider.create("mine", 7);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserResourceFactory {

		@Bean
		ReactorResourceFactory reactorResourceFactory() {
			return new ReactorResourceFactory();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserConnectionFactory {

		static ConnectionPool pool;

		@Bean(destroyMethod = "dispose")
		ConnectionPool connectionFactory() {
			pool = new ConnectionPool(io.r2dbc.pool.ConnectionPoolConfiguration
				.builder(io.r2dbc.spi.ConnectionFactories.get("r2dbc:h2:mem:///user"))
				.build());
			return pool;
		}

	}

}

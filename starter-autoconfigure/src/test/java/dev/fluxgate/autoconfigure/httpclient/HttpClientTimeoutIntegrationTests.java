package dev.fluxgate.autoconfigure.httpclient;

import java.time.Duration;

import dev.fluxgate.test.FluxgateTestApplication;
import dev.fluxgate.test.HungServer;
import io.netty.handler.timeout.ReadTimeoutException;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * WebClient timeouts, through the auto-configured {@code WebClient.Builder} of a real application.
 */
class HttpClientTimeoutIntegrationTests {

	@Test
	void callToHungServerFailsNearTheConfiguredResponseTimeout() throws Exception {
		try (HungServer hung = new HungServer();
				ConfigurableApplicationContext context = start("spring.http.clients.read-timeout=1s")) {
			WebClient client = context.getBean(WebClient.Builder.class).build();
			long start = System.nanoTime();
			assertThatThrownBy(() -> client.get().uri(hung.url()).retrieve().bodyToMono(String.class)
				.block(Duration.ofSeconds(30))).hasRootCauseInstanceOf(ReadTimeoutException.class);
			Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
			assertThat(elapsed).isBetween(Duration.ofMillis(900), Duration.ofSeconds(5));
		}
	}

	@Test
	void defaultsGiveEveryCallAFiniteResponseAndConnectTimeout() {
		try (ConfigurableApplicationContext context = start()) {
			HttpClientSettings settings = context.getBean(HttpClientSettings.class);
			assertThat(settings.readTimeout()).isEqualTo(Duration.ofSeconds(10));
			assertThat(settings.connectTimeout()).isEqualTo(Duration.ofSeconds(3));
		}
	}

	@Test
	void disabledFluxgateLeavesBootsUnboundedDefaults() {
		try (ConfigurableApplicationContext context = start("fluxgate.enabled=false")) {
			HttpClientSettings settings = context.getBean(HttpClientSettings.class);
			assertThat(settings.readTimeout()).isNull();
			assertThat(settings.connectTimeout()).isNull();
		}
	}

	static ConfigurableApplicationContext start(String... properties) {
		return new SpringApplicationBuilder(FluxgateTestApplication.class).web(WebApplicationType.NONE)
			.properties("spring.autoconfigure.exclude=org.springframework.boot.r2dbc.autoconfigure.R2dbcAutoConfiguration")
			.properties(properties)
			.run();
	}

}

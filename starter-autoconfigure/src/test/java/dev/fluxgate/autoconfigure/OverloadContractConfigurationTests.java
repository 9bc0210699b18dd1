package dev.fluxgate.autoconfigure;

import java.net.ConnectException;
import java.net.URI;
import java.time.Duration;

import dev.fluxgate.overload.OverloadExceptionHandler;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.reactive.function.client.WebClientRequestException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The overload contract's registration: dependency failures are answered and counted by default, and one property
 * gives them back to Boot's error handling.
 */
class OverloadContractConfigurationTests {

	private static final WebClientRequestException REFUSED = new WebClientRequestException(
			new ConnectException("Connection refused"), HttpMethod.GET, URI.create("http://127.0.0.1:1/x"),
			new HttpHeaders());

	private final ReactiveWebApplicationContextRunner runner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(FluxgateAutoConfiguration.class))
		.withBean(ServerCodecConfigurer.class, ServerCodecConfigurer::create)
		.withBean(MeterRegistry.class, SimpleMeterRegistry::new);

	@Test
	void anUnreachableDependencyIsAnsweredAndCountedByDefault() {
		this.runner.run((context) -> {
			MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/orders"));

			StepVerifier.create(context.getBean(OverloadExceptionHandler.class).handle(exchange, REFUSED))
				.expectComplete()
				.verify(Duration.ofSeconds(5));

			assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
			assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("5");
			assertThat(context.getBean(MeterRegistry.class)
				.get(OverloadExceptionHandler.DEPENDENCY_FAILURES_METER)
				.tag("reason", "dependency-unavailable")
				.counter()
				.count()).isEqualTo(1);
		});
	}

	@Test
	void turnedOffDependencyFailuresGoToBootsErrorHandling() {
		this.runner.withPropertyValues("fluxgate.overload.dependency-failures.enabled=false").run((context) -> {
			MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/orders"));

			StepVerifier.create(context.getBean(OverloadExceptionHandler.class).handle(exchange, REFUSED))
				.expectErrorMatches((ex) -> ex == REFUSED)
				.verify(Duration.ofSeconds(5));
		});
	}

}

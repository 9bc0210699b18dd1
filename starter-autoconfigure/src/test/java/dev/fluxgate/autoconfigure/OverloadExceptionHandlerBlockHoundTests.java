package dev.fluxgate.autoconfigure;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import dev.fluxgate.eventloop.BlockingDetection;
import dev.fluxgate.overload.OverloadExceptionHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.timeout.ReadTimeoutException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.reactive.function.client.WebClientRequestException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Answering a dependency failure (classifying it, counting it, logging its WARN line, writing the problem detail)
 * never blocks the non-blocking thread it runs on.
 */
@Tag("blockhound") // installs BlockHound, which is JVM-wide: runs in a JVM of its own (see the parent pom)
class OverloadExceptionHandlerBlockHoundTests {

	@Test
	void answeringDependencyFailuresDoesNotBlock() {
		OverloadExceptionHandler handler = new OverloadExceptionHandler(ServerCodecConfigurer.create(),
				new SimpleMeterRegistry(), true);
		List<Throwable> failures = List.of(
				new WebClientRequestException(ReadTimeoutException.INSTANCE, HttpMethod.GET,
						URI.create("http://127.0.0.1:1/x"), new HttpHeaders()),
				new DataAccessResourceFailureException("executeMany",
						new R2dbcNonTransientResourceException("canceling statement due to statement timeout", "57014")));
		// A test that cannot fail is a defect: prove a blocking call on a parallel thread is seen.
		assertThat(BlockingDetection.recordDuring(OverloadExceptionHandlerBlockHoundTests::sleepOnParallelThread))
			.as("BlockHound detects a sleep on a parallel thread")
			.isNotEmpty();

		List<String> blockingCalls = BlockingDetection.recordDuring(() -> {
			for (Throwable failure : failures) {
				MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/orders"));
				Mono.defer(() -> handler.handle(exchange, failure))
					.subscribeOn(Schedulers.parallel())
					.block(Duration.ofSeconds(10));
				assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.GATEWAY_TIMEOUT);
			}
		});
		assertThat(blockingCalls).isEmpty();
	}

	private static void sleepOnParallelThread() {
		Mono.fromRunnable(() -> {
			try {
				Thread.sleep(1);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}).subscribeOn(Schedulers.parallel()).block(Duration.ofSeconds(5));
	}

}

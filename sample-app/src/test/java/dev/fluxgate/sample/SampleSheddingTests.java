package dev.fluxgate.sample;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.HttpHeaders;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With a small {@code fluxgate.server.concurrency.limit}, requests beyond it are shed with a fast 503 while the
 * health probes (never shed) stay UP.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "fluxgate.server.concurrency.limit=2")
@AutoConfigureWebTestClient
class SampleSheddingTests {

	@Autowired
	private WebTestClient client;

	@LocalServerPort
	private int port;

	@Test
	void requestsBeyondTheLimitAreShedWhileHealthStaysUp() throws Exception {
		WebClient webClient = WebClient.create("http://127.0.0.1:" + this.port);
		CompletableFuture<List<String>> burst = Flux.range(0, 8)
			.flatMap((i) -> webClient.get()
				.uri("/stub/slow?delayMs=1500")
				.exchangeToMono((response) -> response.bodyToMono(String.class)
					.defaultIfEmpty("")
					.map((body) -> response.statusCode().value() + " "
							+ response.headers().asHttpHeaders().getFirst(HttpHeaders.RETRY_AFTER) + " " + body)),
					8)
			.collectList()
			.toFuture();
		Thread.sleep(400);
		this.client.get()
			.uri("/actuator/health")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo("UP");
		List<String> outcomes = burst.get(20, TimeUnit.SECONDS);
		assertThat(outcomes).filteredOn((outcome) -> outcome.startsWith("200")).hasSizeLessThanOrEqualTo(2);
		assertThat(outcomes).filteredOn((outcome) -> outcome.startsWith("503"))
			.hasSizeGreaterThanOrEqualTo(6)
			.allSatisfy((outcome) -> assertThat(outcome).doesNotContain(" null "));
	}

}

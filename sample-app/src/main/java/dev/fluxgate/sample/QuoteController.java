package dev.fluxgate.sample;

import java.util.concurrent.ThreadLocalRandom;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.server.ResponseStatusException;

/**
 * The rate-limited API ({@code fluxgate.rate-limit.policies.api}: {@code /api/**} keyed by {@code X-Api-Key}) calling
 * the named dependency {@code downstream}: retried, behind a bulkhead and a circuit breaker. {@code /api/quote} fails
 * refused calls with 503 ({@code bulkhead-full}, {@code circuit-open}); {@code /api/quote/cached} answers them with a
 * fallback.
 */
@RestController
class QuoteController {

	private final DownstreamClients clients;

	QuoteController(DownstreamClients clients) {
		this.clients = clients;
	}

	/**
	 * @param delayMs how long the downstream takes
	 * @param fail whether the downstream fails with 500 (counts for the circuit breaker, not retried)
	 * @param failures how many 503s the downstream answers before succeeding (retried)
	 */
	@GetMapping(path = "/api/quote", produces = MediaType.APPLICATION_JSON_VALUE)
	Mono<ResponseEntity<String>> quote(@RequestParam(defaultValue = "0") long delayMs,
			@RequestParam(defaultValue = "false") boolean fail, @RequestParam(defaultValue = "0") int failures) {
		return call(this.clients.guarded(), delayMs, fail, failures);
	}

	@GetMapping(path = "/api/quote/cached", produces = MediaType.APPLICATION_JSON_VALUE)
	Mono<ResponseEntity<String>> cachedQuote(@RequestParam(defaultValue = "0") long delayMs,
			@RequestParam(defaultValue = "false") boolean fail, @RequestParam(defaultValue = "0") int failures) {
		return call(this.clients.withFallback(), delayMs, fail, failures);
	}

	private static Mono<ResponseEntity<String>> call(WebClient client, long delayMs, boolean fail, int failures) {
		WebClient.RequestHeadersSpec<?> request = (failures > 0)
				// Not UUID.randomUUID(): SecureRandom may read /dev/urandom, a blocking call on the event loop (the
				// sample's StrictBlockingDetection test caught it).
				? client.get()
					.uri("/stub/flaky?id={id}&failures={failures}",
							Long.toHexString(ThreadLocalRandom.current().nextLong()), failures)
				: client.get().uri("/stub/slow?delayMs={delayMs}&fail={fail}", delayMs, fail);
		return request.retrieve()
			.onStatus((status) -> status.is5xxServerError(),
					(response) -> Mono.error(new ResponseStatusException(HttpStatus.BAD_GATEWAY,
							"downstream answered " + response.statusCode().value())))
			.toEntity(String.class)
			.map((entity) -> ResponseEntity.ok()
				.headers((headers) -> {
					String fallback = entity.getHeaders().getFirst(DownstreamClients.FALLBACK_HEADER);
					if (fallback != null) {
						headers.set(DownstreamClients.FALLBACK_HEADER, fallback);
					}
				})
				.body(entity.getBody()));
	}

}

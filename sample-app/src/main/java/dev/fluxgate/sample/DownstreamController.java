package dev.fluxgate.sample;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import reactor.core.publisher.Mono;

import org.springframework.core.env.Environment;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.server.ResponseStatusException;

/**
 * A built-in "slow downstream" stub and an endpoint that calls it through the auto-configured WebClient, so the app
 * shows dependency timeouts without any external service.
 */
@RestController
class DownstreamController {

	private final WebClient webClient;

	private final Environment environment;

	/** Calls seen per flaky-stub id; bounded, it is a demo. */
	private final Map<String, AtomicInteger> flakyCalls = new ConcurrentHashMap<>();

	DownstreamController(WebClient.Builder webClientBuilder, Environment environment) {
		this.webClient = webClientBuilder.build();
		this.environment = environment;
	}

	/**
	 * The stub: answers after {@code delayMs}, or fails with 500 when {@code fail=true}.
	 */
	@GetMapping("/stub/slow")
	Mono<Map<String, Object>> slow(@RequestParam(defaultValue = "0") long delayMs,
			@RequestParam(defaultValue = "false") boolean fail) {
		Mono<Map<String, Object>> answer = fail
				? Mono.error(new ResponseStatusException(HttpStatus.INTERNAL_SERVER_ERROR, "injected failure"))
				: Mono.just(Map.of("delayMs", delayMs));
		return Mono.delay(Duration.ofMillis(Math.max(0, delayMs))).then(answer);
	}

	/**
	 * A flaky stub: answers 503 to the first {@code failures} calls carrying the same {@code id}, then 200. Shows
	 * retries deterministically.
	 */
	@GetMapping("/stub/flaky")
	Mono<Map<String, Object>> flaky(@RequestParam String id, @RequestParam(defaultValue = "2") int failures) {
		if (this.flakyCalls.size() > 10_000) {
			this.flakyCalls.clear();
		}
		int call = this.flakyCalls.computeIfAbsent(id, (key) -> new AtomicInteger()).incrementAndGet();
		if (call <= failures) {
			return Mono.error(new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE, "injected 503 #" + call));
		}
		return Mono.just(Map.of("id", id, "calls", call));
	}

	/**
	 * Calls the stub as a dependency. With Fluxgate, a stub slower than spring.http.clients.read-timeout fails
	 * the call instead of holding it.
	 */
	@GetMapping("/dependency")
	Mono<String> dependency(@RequestParam(defaultValue = "0") long delayMs,
			@RequestParam(defaultValue = "false") boolean fail) {
		String port = this.environment.getProperty("local.server.port", "8080");
		String baseUrl = this.environment.getProperty("sample.downstream.base-url", "http://127.0.0.1:" + port);
		return this.webClient.get()
			.uri(baseUrl + "/stub/slow?delayMs={delay}&fail={fail}", delayMs, fail)
			.retrieve()
			.bodyToMono(String.class);
	}

}

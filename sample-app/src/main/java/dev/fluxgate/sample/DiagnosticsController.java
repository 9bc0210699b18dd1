package dev.fluxgate.sample;

import java.time.Duration;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Endpoints that exist to show Fluxgate's signals. Sample only: never ship an endpoint that blocks an event loop.
 */
@RestController
class DiagnosticsController {

	/**
	 * Blocks the event loop that serves the request: the stall watchdog logs one WARN with this method in the loop's
	 * stack, {@code fluxgate.eventloop.lag} and {@code fluxgate.eventloop.stalls} show it, and
	 * {@code /actuator/concurrency} reports it first.
	 */
	@GetMapping("/debug/block-loop")
	Mono<String> blockLoop(@RequestParam(defaultValue = "1500") long ms) {
		return Mono.fromCallable(() -> {
			Thread.sleep(ms);
			return "blocked the event loop for " + ms + " ms";
		});
	}

	/**
	 * A stream longer than the request timeout: streaming responses are exempt from the request deadline.
	 */
	@GetMapping(path = "/ticks", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	Flux<Long> ticks(@RequestParam(defaultValue = "5") int count, @RequestParam(defaultValue = "1000") long everyMs) {
		return Flux.interval(Duration.ofMillis(everyMs)).take(count);
	}

}

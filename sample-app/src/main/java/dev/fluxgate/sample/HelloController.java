package dev.fluxgate.sample;

import reactor.core.publisher.Mono;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A trivial endpoint: its latency shows whether anything else is stalling the event loops.
 */
@RestController
class HelloController {

	@GetMapping("/hello")
	Mono<String> hello() {
		return Mono.just("hello");
	}

}

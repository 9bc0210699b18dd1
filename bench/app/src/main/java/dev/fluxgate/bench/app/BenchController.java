package dev.fluxgate.bench.app;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The endpoints the benchmarks drive.
 */
@RestController
public class BenchController {

	/** The reactive trivial handler: the request path's own cost and nothing else. */
	public static final String REACTIVE = "/mono";

	/** The imperative trivial handler: with Fluxgate it hops to the blocking executor, without it stays on the loop. */
	public static final String IMPERATIVE = "/hello";

	/**
	 * The imperative trivial handler offloaded by hand, as Reactor's documentation prescribes for blocking code
	 * ({@code subscribeOn(Schedulers.boundedElastic())}): what a thread hop costs without Fluxgate, the anchor for
	 * {@link #IMPERATIVE} with Fluxgate.
	 */
	public static final String IMPERATIVE_BY_HAND = "/hello-elastic";

	/** An imperative handler that blocks its thread, as legacy code does. */
	public static final String BLOCKING = "/blocking";

	@GetMapping(REACTIVE)
	Mono<String> mono() {
		return Mono.just("ok");
	}

	@GetMapping(IMPERATIVE)
	String hello() {
		return "ok";
	}

	@GetMapping(IMPERATIVE_BY_HAND)
	Mono<String> helloOnBoundedElastic() {
		return Mono.fromCallable(() -> "ok").subscribeOn(Schedulers.boundedElastic());
	}

	@GetMapping(BLOCKING)
	String blocking(@RequestParam(defaultValue = "50") long ms) throws InterruptedException {
		Thread.sleep(ms);
		return "slept " + ms + " ms";
	}

}

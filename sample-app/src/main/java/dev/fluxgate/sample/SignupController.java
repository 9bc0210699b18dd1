package dev.fluxgate.sample;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import dev.fluxgate.background.BackgroundTasks;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

/**
 * Fire-and-forget work after the response (a welcome e-mail, say). With Fluxgate it runs on the bounded background
 * executor: a full queue answers 503 instead of piling up, and a graceful shutdown drains what is queued. Without
 * Fluxgate it is the usual unbounded {@code subscribe()} on {@code boundedElastic}, lost on shutdown.
 */
@RestController
class SignupController {

	private final BackgroundTasks backgroundTasks;

	private final AtomicLong welcomed = new AtomicLong();

	SignupController(ObjectProvider<BackgroundTasks> backgroundTasks) {
		this.backgroundTasks = backgroundTasks.getIfAvailable();
	}

	@PostMapping("/signup")
	Mono<Map<String, Object>> signup(@RequestParam(defaultValue = "someone") String name,
			@RequestParam(defaultValue = "200") long welcomeMs, ServerWebExchange exchange) {
		Runnable welcome = () -> {
			CpuController.Work.burn(0);
			sleep(welcomeMs); // sending the e-mail
			this.welcomed.incrementAndGet();
		};
		if (this.backgroundTasks != null) {
			this.backgroundTasks.afterResponse(exchange, welcome);
		}
		else {
			Mono.fromRunnable(welcome).subscribeOn(Schedulers.boundedElastic()).subscribe();
		}
		return Mono.just(Map.of("signedUp", name));
	}

	@GetMapping("/signup/welcomed")
	Map<String, Long> welcomed() {
		return Map.of("welcomed", this.welcomed.get());
	}

	private static void sleep(long ms) {
		try {
			Thread.sleep(ms);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}

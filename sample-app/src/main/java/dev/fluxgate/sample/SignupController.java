package dev.fluxgate.sample;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.fluxgate.background.BackgroundTasks;
import dev.fluxgate.jobs.Jobs;
import dev.fluxgate.jobs.SubmitOptions;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

/**
 * Work left behind by a request: the welcome e-mail after a signup. With Redis it is a durable {@link Jobs} job (it
 * survives a restart, is retried, and any instance may send it); the signup answers once Redis has stored it, and
 * the idempotency key makes a retried signup request store it once. Without Redis it is a {@link BackgroundTasks}
 * task after the response: bounded, drained on graceful shutdown, but lost if the process dies. Without Fluxgate it
 * is the usual unbounded {@code subscribe()} on {@code boundedElastic}.
 */
@RestController
class SignupController {

	private final Jobs jobs;

	private final BackgroundTasks backgroundTasks;

	private final WelcomeMailer mailer;

	private final String welcomeQueue;

	SignupController(ObjectProvider<Jobs> jobs, ObjectProvider<BackgroundTasks> backgroundTasks, WelcomeMailer mailer,
			@Value("${sample.jobs.welcome-queue}") String welcomeQueue) {
		this.jobs = jobs.getIfAvailable();
		this.backgroundTasks = backgroundTasks.getIfAvailable();
		this.mailer = mailer;
		this.welcomeQueue = welcomeQueue;
	}

	@PostMapping("/signup")
	Mono<Map<String, Object>> signup(@RequestParam(defaultValue = "someone") String name,
			@RequestParam(defaultValue = "200") long welcomeMs, ServerWebExchange exchange) {
		WelcomeMailer.Welcome welcome = new WelcomeMailer.Welcome(name, welcomeMs);
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("signedUp", name);
		if (this.jobs != null) {
			return this.jobs
				.submit(this.welcomeQueue, welcome, SubmitOptions.none().idempotencyKey("welcome:" + name))
				.map((id) -> {
					body.put("welcomeJob", id);
					return body;
				});
		}
		Runnable send = () -> this.mailer.send(welcome);
		if (this.backgroundTasks != null) {
			this.backgroundTasks.afterResponse(exchange, send);
		}
		else {
			Mono.fromRunnable(send).subscribeOn(Schedulers.boundedElastic()).subscribe();
		}
		return Mono.just(body);
	}

	@GetMapping("/signup/welcomed")
	Map<String, Long> welcomed() {
		return Map.of("welcomed", this.mailer.welcomed());
	}

}

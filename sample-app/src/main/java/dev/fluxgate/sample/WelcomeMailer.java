package dev.fluxgate.sample;

import java.util.concurrent.atomic.AtomicLong;

import dev.fluxgate.jobs.JobHandler;

import org.springframework.stereotype.Component;

/**
 * Sends the welcome e-mail after a signup. With Redis (the {@code services} profile) it is a durable job of the
 * {@code welcome-mail} queue: stored before the signup answers, run by whichever instance has a free slot, retried
 * with backoff when the mail server fails, dead-lettered after its last attempt, never lost to a restart. Without
 * Redis (the default profile) the controller runs it as an in-memory background task instead.
 */
@Component
class WelcomeMailer {

	private final AtomicLong welcomed = new AtomicLong();

	/**
	 * The job handler: a blocking method, so it runs on Fluxgate's bounded blocking executor.
	 * @param welcome who to welcome
	 */
	@JobHandler("${sample.jobs.welcome-queue}")
	void send(Welcome welcome) {
		CpuController.Work.burn(0);
		sleep(welcome.welcomeMs()); // sending the e-mail
		this.welcomed.incrementAndGet();
	}

	long welcomed() {
		return this.welcomed.get();
	}

	private static void sleep(long ms) {
		try {
			Thread.sleep(ms);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * The job's payload, stored as JSON.
	 *
	 * @param name who signed up
	 * @param welcomeMs how long sending takes (a knob for the demo)
	 */
	record Welcome(String name, long welcomeMs) {

	}

}

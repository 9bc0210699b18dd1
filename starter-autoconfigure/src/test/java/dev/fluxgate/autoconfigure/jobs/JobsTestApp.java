package dev.fluxgate.autoconfigure.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import dev.fluxgate.jobs.Job;
import dev.fluxgate.jobs.JobHandler;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * A real WebFlux application with job handlers whose queue names come from properties ({@code test.queue.*}), so
 * every test run uses queues of its own in the shared Redis. Its {@code main} is the child JVM that the SIGKILL test
 * kills mid-job.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
class JobsTestApp {

	@Bean
	Handlers handlers(@Value("${test.instance:main}") String instance,
			@Value("${test.shared-millis:0}") long sharedMillis, @Value("${test.hang:false}") boolean hang) {
		return new Handlers(instance, sharedMillis, hang);
	}

	/**
	 * Event loops of its own for an instance that a test stops while others run: the default global ones are
	 * disposed when any context closes, which would take the other instances' servers down with it.
	 */
	@Bean
	@ConditionalOnBooleanProperty("test.own-loops")
	ReactorResourceFactory ownReactorResources() {
		ReactorResourceFactory factory = new ReactorResourceFactory();
		factory.setUseGlobalResources(false);
		return factory;
	}

	static ConfigurableApplicationContext start(String... properties) {
		List<String> all = new ArrayList<>(List.of("server.port=0", "server.address=127.0.0.1",
				"spring.main.banner-mode=off", "management.endpoints.web.exposure.include=health,jobs,concurrency"));
		all.addAll(List.of(properties));
		return new SpringApplicationBuilder(JobsTestApp.class).properties(all.toArray(String[]::new)).run();
	}

	static String baseUrl(ConfigurableApplicationContext context) {
		return "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port");
	}

	/** The child JVM of the SIGKILL test: the arguments are properties. */
	public static void main(String[] args) {
		start(args);
	}

	record Signup(String email, int number) {

	}

	/**
	 * One run of a handler.
	 *
	 * @param instance the application instance
	 * @param queue the queue
	 * @param id the job id
	 * @param attempt the attempt
	 * @param payload the payload as the handler got it
	 * @param thread the thread it ran on
	 * @param at when it started (epoch ms)
	 */
	record Run(String instance, String queue, String id, int attempt, Object payload, String thread, long at) {

	}

	static final class Handlers {

		final String instance;

		final long sharedMillis;

		final boolean hang;

		final ConcurrentLinkedQueue<Run> runs = new ConcurrentLinkedQueue<>();

		final AtomicInteger cancelled = new AtomicInteger();

		volatile boolean poisonFixed;

		Handlers(String instance, long sharedMillis, boolean hang) {
			this.instance = instance;
			this.sharedMillis = sharedMillis;
			this.hang = hang;
		}

		private void record(Job<?> job) {
			this.runs.add(new Run(this.instance, job.queue(), job.id(), job.attempt(), job.payload(),
					Thread.currentThread().getName(), System.currentTimeMillis()));
		}

		List<Run> runs(String queue) {
			return this.runs.stream().filter((run) -> run.queue().equals(queue)).toList();
		}

		@JobHandler("${test.queue.basic}")
		void basic(Job<Signup> job) {
			record(job);
		}

		@JobHandler("${test.queue.flaky}")
		Mono<Void> flaky(Job<Signup> job) {
			record(job);
			return (job.attempt() < 3) ? Mono.error(new IllegalStateException("flaky attempt " + job.attempt()))
					: Mono.empty();
		}

		@JobHandler("${test.queue.poison}")
		void poison(Job<Signup> job) {
			record(job);
			if (!this.poisonFixed) {
				throw new IllegalArgumentException("cannot welcome " + job.payload().email());
			}
		}

		@JobHandler("${test.queue.slow}")
		Mono<Void> slow(Job<String> job) {
			record(job);
			return Mono.<Void>never().doOnCancel(this.cancelled::incrementAndGet);
		}

		@JobHandler("${test.queue.shared}")
		void shared(Job<Integer> job) throws InterruptedException {
			Thread.sleep(this.sharedMillis);
			record(job);
		}

		@JobHandler("${test.queue.hang}")
		void hang(Job<String> job) throws InterruptedException {
			if (this.hang) {
				System.out.println("RUNNING " + job.id());
				System.out.flush();
				Thread.sleep(Long.MAX_VALUE);
			}
			record(job);
		}

	}

}

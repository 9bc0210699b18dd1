package dev.fluxgate.autoconfigure.jobs;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import dev.fluxgate.autoconfigure.jobs.JobsTestApp.Handlers;
import dev.fluxgate.autoconfigure.jobs.JobsTestApp.Signup;
import dev.fluxgate.eventloop.BlockingDetection;
import dev.fluxgate.jobs.Jobs;
import dev.fluxgate.test.TestServices;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.ScanOptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Submitting from non-blocking threads, reading, running reactive handlers on the event loop, retrying and
 * acknowledging never block a non-blocking thread.
 */
@Tag("blockhound") // installs BlockHound, which is JVM-wide: runs in a JVM of its own (see the parent pom)
class JobsBlockHoundTests {

	@Test
	void jobsNeverBlockANonBlockingThread() {
		String prefix = "jb" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16) + "-";
		TestServices.Redis redis = TestServices.redis();
		try (ConfigurableApplicationContext context = JobsTestApp.start("spring.data.redis.host=" + redis.host(),
				"spring.data.redis.port=" + redis.port(), "test.queue.basic=" + prefix + "basic",
				"test.queue.flaky=" + prefix + "flaky", "test.queue.poison=" + prefix + "poison",
				"test.queue.slow=" + prefix + "slow", "test.queue.shared=" + prefix + "shared",
				"test.queue.hang=" + prefix + "hang", "fluxgate.jobs.backoff.initial=20ms",
				"fluxgate.jobs.backoff.max=50ms")) {
			Jobs jobs = context.getBean(Jobs.class);
			Handlers handlers = context.getBean(Handlers.class);
			// the first command opens the shared connection (off the event loops, by design): before recording
			jobs.submit(prefix + "basic", new Signup("warm@example.com", 0)).block(Duration.ofSeconds(30));
			List<String> blocking = BlockingDetection.recordDuring(() -> {
				Flux.range(0, 20)
					.flatMap((n) -> jobs.submit(prefix + ((n % 2 == 0) ? "flaky" : "basic"),
							new Signup(n + "@example.com", n)).subscribeOn(Schedulers.parallel()))
					.then()
					.block(Duration.ofSeconds(30));
				// flaky jobs succeed on their third attempt: two retries each through the delayed set
				await().atMost(Duration.ofSeconds(120))
					.until(() -> handlers.runs(prefix + "flaky").size() >= 30 && handlers.runs(prefix + "basic").size() >= 11);
			});
			assertThat(blocking).isEmpty();
			ReactiveStringRedisTemplate template = new ReactiveStringRedisTemplate(
					context.getBean(ReactiveRedisConnectionFactory.class));
			template.scan(ScanOptions.scanOptions().match("{fluxgate:jobs:" + prefix + "*").build())
				.flatMap(template::delete)
				.blockLast(Duration.ofSeconds(10));
		}
	}

}

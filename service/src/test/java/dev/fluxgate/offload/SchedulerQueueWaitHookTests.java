package dev.fluxgate.offload;

import java.time.Duration;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;

class SchedulerQueueWaitHookTests {

	@Test
	void measuresBoundedElasticTasksUntilClosed() {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		Timer wait;
		try (SchedulerQueueWaitHook hook = new SchedulerQueueWaitHook(registry).install()) {
			wait = registry.get("fluxgate.scheduler.queue.wait").tag("scheduler", "boundedElastic").timer();
			Mono.fromCallable(() -> "x").subscribeOn(Schedulers.boundedElastic()).block(Duration.ofSeconds(5));
			Mono.fromCallable(() -> "x").subscribeOn(Schedulers.parallel()).block(Duration.ofSeconds(5));
			assertThat(wait.count()).isEqualTo(1);
		}
		Mono.fromCallable(() -> "x").subscribeOn(Schedulers.boundedElastic()).block(Duration.ofSeconds(5));
		assertThat(wait.count()).isEqualTo(1);
	}

}

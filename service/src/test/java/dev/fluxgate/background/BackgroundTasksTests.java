package dev.fluxgate.background;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.fluxgate.overload.CapacityExceededException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class BackgroundTasksTests {

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final BackgroundTasks tasks = new BackgroundTasks(new BackgroundTasksSettings(1, 1, Duration.ofSeconds(2)),
			this.registry);

	@Test
	void aFailingTaskIsCountedAndTheNextOneStillRuns() throws Exception {
		this.tasks.submit(() -> {
			throw new IllegalStateException("boom");
		});
		CountDownLatch ran = new CountDownLatch(1);
		this.tasks.submit(ran::countDown);
		assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(this.tasks.shutdown(Duration.ofSeconds(5))).isZero();
		assertThat(this.registry.get("fluxgate.background.completed").tag("outcome", "failure").counter().count())
			.isEqualTo(1);
		assertThat(this.registry.get("fluxgate.background.completed").tag("outcome", "success").counter().count())
			.isEqualTo(1);
	}

	@Test
	void afterShutdownTasksAreRefusedWithAReason() {
		this.tasks.shutdown(Duration.ofSeconds(1));
		assertThatExceptionOfType(CapacityExceededException.class).isThrownBy(() -> this.tasks.submit(() -> {
		})).satisfies((ex) -> {
			assertThat(ex.getReason()).isEqualTo("background-stopped");
			assertThat(ex.getHeaders().getFirst("Retry-After")).isEqualTo("2");
		});
		assertThat(this.tasks.snapshot().rejected()).containsEntry("background-stopped", 1L);
	}

}

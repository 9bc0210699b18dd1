package dev.fluxgate.jobs;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Backoff arithmetic, queue names and submit options: the parts of the engine that need no Redis.
 */
class JobQueueSettingsTests {

	private static JobQueueSettings settings(double jitter) {
		return new JobQueueSettings(8, 10, Duration.ofSeconds(1), Duration.ofSeconds(30), jitter,
				Duration.ofMinutes(1), Duration.ofSeconds(30), 1000);
	}

	@Test
	void backoffDoublesFromTheInitialWaitUpToTheMax() {
		JobQueueSettings settings = settings(0);
		assertThat(settings.backoff(1, 0.7)).isEqualTo(Duration.ofSeconds(1));
		assertThat(settings.backoff(2, 0.7)).isEqualTo(Duration.ofSeconds(2));
		assertThat(settings.backoff(5, 0.7)).isEqualTo(Duration.ofSeconds(16));
		assertThat(settings.backoff(6, 0.7)).isEqualTo(Duration.ofSeconds(30));
		assertThat(settings.backoff(200, 0.7)).isEqualTo(Duration.ofSeconds(30));
	}

	@Test
	void jitterTakesAtMostItsFractionOff() {
		JobQueueSettings settings = settings(0.5);
		assertThat(settings.backoff(3, 0)).isEqualTo(Duration.ofSeconds(4));
		assertThat(settings.backoff(3, 0.999)).isBetween(Duration.ofMillis(2000), Duration.ofMillis(2010));
	}

	@Test
	void queueNamesStayInsideTheirHashTag() {
		assertThat(JobKeys.of("welcome-mail").stream()).isEqualTo("{fluxgate:jobs:welcome-mail}:stream");
		assertThat(JobKeys.of("welcome-mail").idempotency("k")).isEqualTo("{fluxgate:jobs:welcome-mail}:idem:k");
		assertThatIllegalArgumentException().isThrownBy(() -> JobKeys.of("a}b"));
		assertThatIllegalArgumentException().isThrownBy(() -> JobKeys.of(""));
	}

	@Test
	void submitOptionsAreImmutableAndChecked() {
		SubmitOptions options = SubmitOptions.none().delay(Duration.ofSeconds(5)).idempotencyKey("k");
		assertThat(SubmitOptions.none().getDelay()).isZero();
		assertThat(options.getDelay()).isEqualTo(Duration.ofSeconds(5));
		assertThat(options.getIdempotencyKey()).isEqualTo("k");
		assertThat(SubmitOptions.none().delay(Duration.ofSeconds(-1)).getDelay()).isZero();
		assertThatIllegalArgumentException().isThrownBy(() -> SubmitOptions.none().idempotencyKey(""));
		assertThatIllegalArgumentException().isThrownBy(() -> SubmitOptions.none().idempotencyWindow(Duration.ZERO));
	}

}

package dev.fluxgate.eventloop;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

@Tag("blockhound") // installs BlockHound, which is JVM-wide: runs in a JVM of its own (see the parent pom)
class BlockingDetectionRecordingTests {

	@Test
	void recordsABlockingCallOnAParallelThreadWithoutFailingItEvenInStrictMode() {
		BlockingDetectionMode previous = BlockingDetection.apply(BlockingDetectionMode.STRICT, null);
		try {
			List<String> calls = BlockingDetection.recordDuring(() -> assertThat(sleepOnParallelThread()).isTrue());
			assertThat(calls).singleElement()
				.asString()
				.contains("Thread.sleep", " on parallel-", getClass().getName());
			assertThat(BlockingDetection.mode()).isEqualTo(BlockingDetectionMode.STRICT);
		}
		finally {
			BlockingDetection.apply(previous, null);
		}
	}

	@Test
	void recordsNothingWhenNothingBlocks() {
		assertThat(BlockingDetection.recordDuring(() -> Mono.just("ok")
			.subscribeOn(Schedulers.parallel())
			.block(Duration.ofSeconds(5)))).isEmpty();
	}

	@Test
	void oneRecordingAtATime() {
		BlockingDetection.recordDuring(() -> assertThatIllegalStateException()
			.isThrownBy(() -> BlockingDetection.recordDuring(() -> {
			}))
			.withMessageContaining("Another action"));
	}

	/** Whether the sleep ran to its end on a Reactor parallel thread (strict mode would have failed it). */
	private boolean sleepOnParallelThread() {
		return Boolean.TRUE.equals(Mono.fromCallable(() -> {
			Thread.sleep(1);
			return true;
		}).subscribeOn(Schedulers.parallel()).block(Duration.ofSeconds(5)));
	}

}

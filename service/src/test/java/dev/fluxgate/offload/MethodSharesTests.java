package dev.fluxgate.offload;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.fluxgate.overload.CapacityExceededException;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

class MethodSharesTests {

	private final MethodShares shares = new MethodShares("blocking-methods", 2, 1, Duration.ofSeconds(2), null);

	private final List<String> started = new ArrayList<>();

	@Test
	void aKeyGetsItsShareThenWaitsThenIsRefusedWhileOtherKeysStillGetIn() {
		Sinks.One<String> slow1 = Sinks.one();
		Sinks.One<String> slow2 = Sinks.one();
		Disposable first = run("slow", "slow-1", slow1);
		Disposable second = run("slow", "slow-2", slow2);
		Disposable waiting = run("slow", "slow-3", Sinks.one());
		assertThat(this.started).containsExactly("slow-1", "slow-2");
		assertThat(this.shares.snapshot().inFlight()).isEqualTo(2);
		assertThat(this.shares.snapshot().queued()).isEqualTo(1);

		StepVerifier.create(this.shares.guard("slow", Mono.just("x")))
			.expectErrorSatisfies((ex) -> {
				assertThat(ex).isInstanceOf(CapacityExceededException.class);
				CapacityExceededException refusal = (CapacityExceededException) ex;
				assertThat(refusal.getReason()).isEqualTo(MethodShares.REASON_METHOD_BUSY);
				assertThat(refusal.getRetryAfter()).hasValue(Duration.ofSeconds(2));
				assertThat(refusal.getStackTrace()).as("a refusal is cheap").isEmpty();
			})
			.verify(Duration.ofSeconds(5));
		StepVerifier.create(this.shares.guard("hello", Mono.just("fast"))).expectNext("fast").verifyComplete();

		slow1.tryEmitValue("done");
		assertThat(this.started).containsExactly("slow-1", "slow-2", "slow-3");
		assertThat(this.shares.snapshot().queued()).isZero();
		assertThat(this.shares.snapshot().rejected()).containsEntry(MethodShares.REASON_METHOD_BUSY, 1L);
		first.dispose();
		second.dispose();
		waiting.dispose();
		assertThat(this.shares.snapshot().inFlight()).isZero();
	}

	@Test
	void aWaiterThatGoesAwayLeavesTheQueueAndNeverRuns() {
		run("slow", "slow-1", Sinks.one());
		Sinks.One<String> slow2 = Sinks.one();
		run("slow", "slow-2", slow2);
		Disposable impatient = run("slow", "impatient", Sinks.one());
		impatient.dispose();
		assertThat(this.shares.snapshot().queued()).isZero();
		Disposable next = run("slow", "next", Sinks.one());
		slow2.tryEmitValue("done");
		assertThat(this.started).containsExactly("slow-1", "slow-2", "next");
		next.dispose();
	}

	@Test
	void theShareIsAFractionOfTheThreadsAndNeverZero() {
		assertThat(MethodShares.of(20, 75)).isEqualTo(15);
		assertThat(MethodShares.of(1, 75)).isEqualTo(1);
		assertThat(MethodShares.of(20, 100)).isEqualTo(20);
	}

	private Disposable run(String key, String label, Sinks.One<String> result) {
		return this.shares.guard(key, Mono.defer(() -> {
			this.started.add(label);
			return result.asMono();
		})).subscribe((value) -> {
		}, (ex) -> {
		});
	}

}

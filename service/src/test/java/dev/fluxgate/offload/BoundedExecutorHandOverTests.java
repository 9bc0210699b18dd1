package dev.fluxgate.offload;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tasks handed over from the executor's own threads: the one hand-off WebFlux makes per request runs inline, and
 * nothing nests deeper.
 */
class BoundedExecutorHandOverTests {

	private final BoundedExecutor executor = new BoundedExecutor(
			new BoundedExecutorSettings("hand-over", 2, 100, Duration.ofSeconds(10), Duration.ofSeconds(1), false),
			null);

	@AfterEach
	void close() {
		this.executor.close();
	}

	@Test
	void firstHandOverRunsInlineAndOneFromItIsQueued() throws InterruptedException {
		AtomicReference<Thread> outer = new AtomicReference<>();
		AtomicReference<Thread> handedOver = new AtomicReference<>();
		AtomicBoolean handedOverRanInline = new AtomicBoolean();
		AtomicBoolean secondRanInline = new AtomicBoolean();
		CountDownLatch secondRan = new CountDownLatch(1);
		CountDownLatch outerDone = new CountDownLatch(1);
		this.executor.execute(() -> {
			outer.set(Thread.currentThread());
			this.executor.execute(() -> {
				handedOver.set(Thread.currentThread());
				AtomicBoolean returned = new AtomicBoolean();
				this.executor.execute(() -> {
					secondRanInline.set(!returned.get() && handedOver.get() == Thread.currentThread());
					secondRan.countDown();
				});
				returned.set(true);
			});
			handedOverRanInline.set(handedOver.get() == outer.get());
			outerDone.countDown();
		});
		// The queued task may run on the other thread before the outer one has recorded what it saw.
		assertThat(secondRan.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(outerDone.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(handedOverRanInline).as("the first hand-off runs at once on the same thread").isTrue();
		assertThat(secondRanInline).as("a hand-off from an inline task is queued").isFalse();
	}

	/**
	 * Many requests for one method with a share of one thread, the way WebFlux runs them (subscribeOn, then
	 * publishOn): each hands the share to the next waiter as it completes. All are answered, each on a stack of its
	 * own; run nested, they overflowed the thread's stack and were never answered.
	 */
	@Test
	void requestsHandedTheirMethodsShareOneAfterAnotherDoNotNest() {
		Scheduler scheduler = Schedulers.fromExecutorService(this.executor);
		MethodShares shares = new MethodShares("methods", 1, 10_000, Duration.ofSeconds(1), null);
		AtomicInteger deepest = new AtomicInteger();
		List<Integer> answered = Flux.range(0, 3_000)
			.flatMap((i) -> shares.guard("slow", Mono.fromCallable(() -> {
				deepest.accumulateAndGet(Thread.currentThread().getStackTrace().length, Math::max);
				return i;
			}).subscribeOn(scheduler).publishOn(scheduler)), 3_000)
			.collectList()
			.block(Duration.ofSeconds(60));
		assertThat(answered).hasSize(3_000);
		assertThat(deepest.get()).as("frames on the deepest handler's stack").isLessThan(500);
	}

}

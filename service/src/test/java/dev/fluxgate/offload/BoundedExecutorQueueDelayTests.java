package dev.fluxgate.offload;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.fluxgate.overload.OverloadException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The executor's queue bounds waiting time once it stands. The clock is virtual; the threads are real but only wait
 * for latches, so nothing depends on how fast the machine is.
 */
class BoundedExecutorQueueDelayTests {

	private final AtomicLong now = new AtomicLong();

	private final BoundedExecutor executor = new BoundedExecutor(new BoundedExecutorSettings("test", 1, 10,
			Duration.ofSeconds(60), Duration.ofSeconds(1), false, Duration.ofMillis(25), Duration.ofMillis(100)),
			null, this.now::get);

	private final CountDownLatch end = new CountDownLatch(1);

	@AfterEach
	void close() {
		this.end.countDown();
		this.executor.shutdownNow();
	}

	@Test
	void whileTheQueueStandsANewTaskIsRefusedAtOnceWhenTheOldestWaitedBeyondTheTarget() throws Exception {
		standingQueueWithOldestEnqueuedAtZero();
		advance(200);
		assertThatExceptionOfType(OffloadRejectedException.class).isThrownBy(() -> this.executor.submit(() -> "late"))
			.satisfies((ex) -> {
				OverloadException refusal = ex.toOverload();
				assertThat(refusal.getReason()).isEqualTo(BoundedExecutor.REASON_FULL);
				assertThat(refusal.getMessage()).contains("fluxgate.offload.queue-target");
			});
		assertThat(this.executor.snapshot().rejected()).containsEntry(BoundedExecutor.REASON_FULL, 1L);
	}

	@Test
	void aQueueThatHasNotStoodForTheIntervalAcceptsWorkAsBefore() throws Exception {
		standingQueueWithOldestEnqueuedAtZero();
		// Non-empty since time zero, but only for 50 ms: a burst, not yet a standing queue.
		advance(50);
		assertThat(this.executor.submit(() -> "burst")).isNotNull();
		assertThat(this.executor.snapshot().rejectedTotal()).isZero();
	}

	@Test
	void aQueueThatDrainedAcceptsWorkAgain() throws Exception {
		standingQueueWithOldestEnqueuedAtZero();
		advance(200);
		// The old tasks leave and the queue empties: whatever comes next starts a new count.
		this.end.countDown();
		awaitQueueEmpty();
		CountDownLatch hold = new CountDownLatch(1);
		this.executor.submit(() -> await(hold));
		Future<?> young = this.executor.submit(() -> "young");
		advance(10);
		assertThat(this.executor.submit(() -> "next")).isNotNull();
		hold.countDown();
		assertThat(young.get(10, TimeUnit.SECONDS)).isEqualTo("young");
	}

	/** The thread busy, three tasks from time zero queued behind it, two tasks through: turnover seen. */
	private void standingQueueWithOldestEnqueuedAtZero() throws Exception {
		CountDownLatch first = new CountDownLatch(1);
		CountDownLatch second = new CountDownLatch(1);
		CountDownLatch secondStarted = new CountDownLatch(1);
		this.executor.submit(() -> await(first));
		this.executor.submit(() -> {
			secondStarted.countDown();
			await(second);
		});
		for (int i = 0; i < 3; i++) {
			this.executor.submit(() -> await(this.end));
		}
		first.countDown();
		second.countDown();
		assertThat(secondStarted.await(10, TimeUnit.SECONDS)).isTrue();
		// The third task is running or about to; two more from time zero wait.
		long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (this.executor.snapshot().queued() > 2 && System.nanoTime() < until) {
			Thread.sleep(5);
		}
		assertThat(this.executor.snapshot().queued()).isEqualTo(2);
	}

	private void awaitQueueEmpty() throws InterruptedException {
		long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while ((this.executor.snapshot().queued() > 0 || this.executor.snapshot().inFlight() > 0)
				&& System.nanoTime() < until) {
			Thread.sleep(5);
		}
	}

	private static void await(CountDownLatch latch) {
		try {
			latch.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private void advance(long millis) {
		this.now.addAndGet(Duration.ofMillis(millis).toNanos());
	}

}

package dev.fluxgate.offload;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class HandOffQueueTests {

	private final Runnable task = () -> {
	};

	@Test
	void holdsAtMostItsCapacityAndCountsWhatLeaves() {
		HandOffQueue queue = new HandOffQueue(2);
		assertThat(queue.offer(this.task)).isTrue();
		assertThat(queue.offer(this.task)).isTrue();
		assertThat(queue.offer(this.task)).isFalse();
		assertThat(queue).hasSize(2);
		assertThat(queue.remove(this.task)).isTrue();
		assertThat(queue.remove(new Object())).isFalse();
		assertThat(queue).hasSize(1);
		assertThat(queue.offer(this.task)).isTrue();
		List<Runnable> drained = new ArrayList<>();
		assertThat(queue.drainTo(drained)).isEqualTo(2);
		assertThat(queue).isEmpty();
		assertThat(queue.size()).isZero();
		assertThat(queue.poll()).isNull();
		assertThat(queue.size()).isZero();
	}

	@Test
	void aFullQueueStillHandsATaskToAWaitingWorker() throws Exception {
		HandOffQueue queue = new HandOffQueue(0);
		assertThat(queue.offer(this.task)).as("nobody waiting").isFalse();
		CompletableFuture<Runnable> worker = CompletableFuture.supplyAsync(() -> {
			try {
				return queue.poll(30, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				throw new IllegalStateException(ex);
			}
		});
		await().atMost(30, TimeUnit.SECONDS).until(queue::hasWaitingConsumer);
		assertThat(queue.offer(this.task)).isTrue();
		assertThat(worker.get(30, TimeUnit.SECONDS)).isSameAs(this.task);
		assertThat(queue.size()).isZero();
	}

}

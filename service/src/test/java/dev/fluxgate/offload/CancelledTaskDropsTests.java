package dev.fluxgate.offload;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Operators;
import reactor.netty.channel.AbortedException;
import reactor.util.context.Context;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The request-scoped {@code onErrorDropped} hook takes exactly the drops of cancelled offloaded tasks and hands every
 * other drop on.
 */
class CancelledTaskDropsTests {

	private final BoundedExecutor executor = new BoundedExecutor(
			new BoundedExecutorSettings("blocking", 1, 4, Duration.ofSeconds(10), Duration.ofSeconds(1), false), null);

	private final List<Throwable> globallyDropped = new CopyOnWriteArrayList<>();

	@AfterEach
	void close() {
		Hooks.resetOnErrorDropped();
		this.executor.shutdownNow();
	}

	@Test
	void aDropOnTheThreadOfACancelledTaskIsTakenAndAnyOtherIsHandedOn() throws Exception {
		Hooks.onErrorDropped(this.globallyDropped::add);
		Context context = CancelledTaskDrops.putIn(Context.empty());
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch dropped = new CountDownLatch(1);
		Future<?> task = this.executor.submit(() -> {
			started.countDown();
			try {
				Thread.sleep(30_000);
			}
			catch (InterruptedException ex) {
				Operators.onErrorDropped(ex, context);
				dropped.countDown();
			}
		});
		assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
		task.cancel(true);
		assertThat(dropped.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(this.globallyDropped).isEmpty();

		IllegalStateException own = new IllegalStateException("the application's own");
		Operators.onErrorDropped(own, context);
		this.executor.submit(() -> Operators.onErrorDropped(own, context)).get(5, TimeUnit.SECONDS);
		assertThat(this.globallyDropped).containsExactly(own, own);
	}

	@Test
	void aLocalHookAlreadyInTheContextStillGetsTheOtherDrops() {
		List<Throwable> locallyDropped = new CopyOnWriteArrayList<>();
		Consumer<Throwable> local = locallyDropped::add;
		Context context = CancelledTaskDrops.putIn(Context.of(CancelledTaskDrops.CONTEXT_KEY, local));
		IllegalStateException own = new IllegalStateException("the application's own");

		Operators.onErrorDropped(own, context);

		assertThat(locallyDropped).containsExactly(own);
	}

	@Test
	void aClientThatWentAwayIsNotAnErrorToLog() {
		Hooks.onErrorDropped(this.globallyDropped::add);
		Context context = CancelledTaskDrops.putIn(Context.empty());

		Operators.onErrorDropped(new AbortedException("Connection has been closed BEFORE send operation"), context);
		Operators.onErrorDropped(new IOException("Connection reset by peer"), context);
		Operators.onErrorDropped(new IllegalStateException("wrapped", new IOException("Broken pipe")), context);
		IOException other = new IOException("No space left on device");
		Operators.onErrorDropped(other, context);

		assertThat(this.globallyDropped).containsExactly(other);
	}

}

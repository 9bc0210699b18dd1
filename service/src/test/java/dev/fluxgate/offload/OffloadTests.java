package dev.fluxgate.offload;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.fluxgate.deadline.Deadline;
import dev.fluxgate.eventloop.StrictBlockingDetection;
import dev.fluxgate.gate.GateSnapshot;
import dev.fluxgate.overload.CapacityExceededException;
import dev.fluxgate.overload.DeadlineExceededException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@Tag("blockhound") // installs BlockHound, which is JVM-wide: runs in a JVM of its own (see the parent pom)
@ExtendWith(StrictBlockingDetection.class)
class OffloadTests {

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final BoundedExecutor blocking = new BoundedExecutor(
			new BoundedExecutorSettings("blocking", 1, 1, Duration.ofSeconds(10), Duration.ofSeconds(2), false),
			this.registry);

	private final BoundedExecutor cpu = new BoundedExecutor(
			new BoundedExecutorSettings("cpu", 1, 4, Duration.ofSeconds(10), Duration.ofSeconds(1), false),
			this.registry);

	private final Offload offload = new Offload(this.blocking, this.cpu);

	private final CountDownLatch release = new CountDownLatch(1);

	@AfterEach
	void close() {
		this.release.countDown();
		this.offload.close();
	}

	@Test
	void runsBlockingCallOffTheCallingThreadAndMeasuresIt() {
		StepVerifier.create(this.offload.blocking(() -> Thread.currentThread().getName()))
			.assertNext((thread) -> assertThat(thread).startsWith("fluxgate-blocking-"))
			.verifyComplete();
		StepVerifier.create(Mono.just(6).transform(this.offload.mapCpu((n) -> n * 7))).expectNext(42).verifyComplete();
		assertThat(this.registry.get("fluxgate.offload.completed").tag("gate", "blocking").counter().count())
			.isEqualTo(1);
		assertThat(this.registry.get("fluxgate.gate.queue.wait").tag("gate", "cpu").timer().count()).isEqualTo(1);
	}

	@Test
	void blockingCallOnAReactorParallelThreadIsRefusedButOffloadedOneRuns() {
		// Proves the strict extension is active: the same sleep fails on a non-blocking thread...
		StepVerifier.create(Mono.fromCallable(() -> {
			Thread.sleep(1);
			return "slept";
		}).subscribeOn(Schedulers.parallel())).expectErrorMatches((ex) -> ex.getClass().getName().contains("Blocking"))
			.verify(Duration.ofSeconds(5));
		// ...and succeeds when offloaded, even when subscribed from that thread.
		StepVerifier.create(this.offload.blocking(() -> {
			Thread.sleep(1);
			return "slept";
		}).subscribeOn(Schedulers.parallel())).expectNext("slept").verifyComplete();
	}

	@Test
	void fullExecutorRejectsWithTheOverloadContract() throws Exception {
		CountDownLatch started = new CountDownLatch(1);
		Disposable running = this.offload.blocking(() -> {
			started.countDown();
			return this.release.await(10, TimeUnit.SECONDS);
		}).subscribe();
		assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
		Disposable queued = this.offload.blocking(() -> "queued").subscribe();
		StepVerifier.create(this.offload.blocking(() -> "third")).expectErrorSatisfies((ex) -> {
			assertThat(ex).isInstanceOf(CapacityExceededException.class);
			CapacityExceededException overload = (CapacityExceededException) ex;
			assertThat(overload.getReason()).isEqualTo("offload-full");
			assertThat(overload.getHeaders().getFirst("Retry-After")).isEqualTo("2");
		}).verify(Duration.ofSeconds(5));
		GateSnapshot snapshot = this.blocking.snapshot();
		assertThat(snapshot.inFlight()).isEqualTo(1);
		assertThat(snapshot.queued()).isEqualTo(1);
		assertThat(snapshot.rejected()).containsEntry("offload-full", 1L);
		assertThat(this.registry.get("fluxgate.gate.rejected").tag("gate", "blocking").tag("reason", "offload-full")
			.counter().count()).isEqualTo(1);
		running.dispose();
		queued.dispose();
	}

	@Test
	void cancellingARunningCallInterruptsItAndFreesTheThread() throws Exception {
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch interrupted = new CountDownLatch(1);
		Disposable subscription = this.offload.blocking(() -> {
			started.countDown();
			try {
				Thread.sleep(30_000);
			}
			catch (InterruptedException ex) {
				interrupted.countDown();
				throw ex;
			}
			return "never";
		}).subscribe();
		assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(this.blocking.snapshot().inFlight()).isEqualTo(1);

		subscription.dispose();

		assertThat(interrupted.await(5, TimeUnit.SECONDS)).isTrue();
		awaitInFlight(0);
		assertThat(cancelledCount()).isEqualTo(1);
		StepVerifier.create(this.offload.blocking(() -> "next")).expectNext("next").verifyComplete();
		assertThat(cancelledCount()).isEqualTo(1);
	}

	@Test
	void cancellingAQueuedCallGivesItsQueueSlotBackAndItNeverRuns() throws Exception {
		CountDownLatch started = new CountDownLatch(1);
		Disposable running = this.offload.blocking(() -> {
			started.countDown();
			return this.release.await(10, TimeUnit.SECONDS);
		}).subscribe();
		assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
		AtomicBoolean queuedRan = new AtomicBoolean();
		Disposable queued = this.offload.blocking(() -> queuedRan.getAndSet(true)).subscribe();
		assertThat(this.blocking.snapshot().queued()).isEqualTo(1);

		queued.dispose();

		assertThat(this.blocking.snapshot().queued()).isZero();
		assertThat(cancelledCount()).isEqualTo(1);
		// The slot is free again: another call is admitted instead of rejected.
		CountDownLatch admitted = new CountDownLatch(1);
		this.offload.blocking(() -> "admitted").subscribe((value) -> admitted.countDown());
		this.release.countDown();
		assertThat(admitted.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(queuedRan).isFalse();
		running.dispose();
	}

	@Test
	void theRequestDeadlineCancelsTheCallAndAnswers504() throws Exception {
		CountDownLatch interrupted = new CountDownLatch(1);
		long start = System.nanoTime();
		StepVerifier.create(this.offload.blocking(() -> {
			try {
				Thread.sleep(30_000);
			}
			catch (InterruptedException ex) {
				interrupted.countDown();
				throw ex;
			}
			return "never";
		}).contextWrite((context) -> Deadline.after(Duration.ofMillis(200)).putIn(context)))
			.expectError(DeadlineExceededException.class)
			.verify(Duration.ofSeconds(10));
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
		assertThat(interrupted.await(5, TimeUnit.SECONDS)).isTrue();
		awaitInFlight(0);

		Deadline expired = Deadline.after(Duration.ofNanos(1));
		Thread.sleep(1);
		StepVerifier.create(this.offload.blocking(() -> "late").contextWrite(expired::putIn))
			.expectError(DeadlineExceededException.class)
			.verify(Duration.ofSeconds(5));
		assertThat(this.blocking.snapshot().admitted()).isEqualTo(1);
	}

	/**
	 * Event loops submit offloaded work while the executor's workers take it: a queue with a lock parks a loop each
	 * time a worker holds it (seen as a refused request under BlockHound on a busy machine). Many loops submitting at
	 * once, with workers coming and going (a 1 ms keep-alive), must never block one. (Starting a worker takes the
	 * pool's worker-set lock for an instant: FluxgateBlockHoundIntegration allows that, as Reactor allows its exit.)
	 */
	@Test
	void submittingFromManyEventLoopsAtOnceNeverBlocksThem() throws Exception {
		BoundedExecutor executor = new BoundedExecutor(
				new BoundedExecutorSettings("contended", 4, 64, Duration.ofMillis(1), Duration.ofSeconds(1), false),
				this.registry);
		Scheduler loops = Schedulers.newParallel("contended-loop", 4);
		List<Throwable> blocked = new CopyOnWriteArrayList<>();
		AtomicInteger ran = new AtomicInteger();
		AtomicInteger accepted = new AtomicInteger();
		CountDownLatch submitted = new CountDownLatch(4);
		try {
			for (int loop = 0; loop < 4; loop++) {
				loops.schedule(() -> {
					try {
						for (int i = 0; i < 50_000; i++) {
							try {
								executor.execute(ran::incrementAndGet);
								accepted.incrementAndGet();
							}
							catch (OffloadRejectedException ex) {
								// full: the overload contract, not a blocked loop
							}
						}
					}
					catch (Throwable ex) {
						blocked.add(ex);
					}
					finally {
						submitted.countDown();
					}
				});
			}
			assertThat(submitted.await(60, TimeUnit.SECONDS)).isTrue();
			assertThat(blocked).as(() -> blocked.isEmpty() ? "" : stackTrace(blocked.get(0))).isEmpty();
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(ran).hasValue(accepted.get()));
			assertThat(executor.snapshot().queued()).isZero();
		}
		finally {
			loops.dispose();
			executor.close();
		}
	}

	private static String stackTrace(Throwable ex) {
		java.io.StringWriter trace = new java.io.StringWriter();
		ex.printStackTrace(new java.io.PrintWriter(trace));
		return trace.toString();
	}

	private double cancelledCount() {
		return this.registry.get("fluxgate.offload.cancelled").tag("gate", "blocking").counter().count();
	}

	private void awaitInFlight(int expected) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
		while (this.blocking.snapshot().inFlight() != expected && System.nanoTime() < deadline) {
			Thread.sleep(10);
		}
		assertThat(this.blocking.snapshot().inFlight()).isEqualTo(expected);
	}

}

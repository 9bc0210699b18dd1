package dev.fluxgate.dependency;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.fluxgate.deadline.Deadline;
import dev.fluxgate.gate.GateSnapshot;
import dev.fluxgate.overload.CapacityExceededException;
import dev.fluxgate.overload.DeadlineExceededException;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.test.scheduler.VirtualTimeScheduler;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class BulkheadTests {

	@Test
	void onceTheQueueStandsANewWaiterWaitsOnlyTheTarget() {
		VirtualTimeScheduler clock = VirtualTimeScheduler.create();
		Bulkhead bulkhead = new Bulkhead("test", new BulkheadSettings(1, 10, Duration.ofSeconds(10)), null, clock);
		List<Sinks.One<String>> calls = new ArrayList<>();
		List<Throwable> errors = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			Sinks.One<String> sink = Sinks.one();
			calls.add(sink);
			bulkhead.guard(sink.asMono()).subscribe((value) -> {
			}, errors::add);
		}
		// Two turnovers while calls kept waiting, and still two waiting half a second later: a standing queue.
		calls.get(0).tryEmitValue("done");
		calls.get(1).tryEmitValue("done");
		clock.advanceTimeBy(Duration.ofMillis(500));
		assertThat(bulkhead.snapshot().queued()).isEqualTo(1);

		bulkhead.guard(Mono.just("late")).subscribe((value) -> {
		}, errors::add);
		clock.advanceTimeBy(Duration.ofMillis(24));
		assertThat(errors).isEmpty();
		clock.advanceTimeBy(Duration.ofMillis(1));
		assertThat(errors).singleElement().satisfies((ex) -> {
			assertThat(ex).isInstanceOf(CapacityExceededException.class).hasMessageContaining("has not drained");
			assertThat(((CapacityExceededException) ex).getReason()).isEqualTo(Bulkhead.REASON_FULL);
		});
		assertThat(bulkhead.snapshot().rejected()).containsEntry("queue-timeout", 1L);
		assertThat(bulkhead.snapshot().queued()).as("the earlier waiter keeps its own bound").isEqualTo(1);
	}

	@Test
	void onceTheQueueStandsACallThatWouldWaitLongerThanTheTargetIsRefusedOnArrival() {
		VirtualTimeScheduler clock = VirtualTimeScheduler.create();
		Bulkhead bulkhead = new Bulkhead("test", new BulkheadSettings(1, 10, Duration.ofSeconds(10)), null, clock);
		List<Sinks.One<String>> calls = new ArrayList<>();
		List<Throwable> errors = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			Sinks.One<String> sink = Sinks.one();
			calls.add(sink);
			bulkhead.guard(sink.asMono()).subscribe((value) -> {
			}, errors::add);
		}
		// A permit comes back every 200 ms while calls keep waiting: one waiter ahead already needs longer than 25 ms.
		for (int i = 0; i < 3; i++) {
			clock.advanceTimeBy(Duration.ofMillis(200));
			calls.get(i).tryEmitValue("done");
		}
		assertThat(bulkhead.snapshot().queued()).isEqualTo(1);

		bulkhead.guard(Mono.just("late")).subscribe((value) -> {
		}, errors::add);
		assertThat(errors).as("refused without waiting").singleElement().satisfies((ex) -> {
			assertThat(ex).isInstanceOf(CapacityExceededException.class)
				.hasMessageContaining("would become free within PT0.025S for the 1 calls already waiting");
			assertThat(((CapacityExceededException) ex).getReason()).isEqualTo(Bulkhead.REASON_FULL);
		});
		assertThat(bulkhead.snapshot().rejected()).containsEntry("queue-timeout", 1L);
		assertThat(bulkhead.snapshot().queued()).as("the waiter ahead keeps its place").isEqualTo(1);
	}

	@Test
	void aQueueThatKeepsDrainingKeepsTheFullWait() {
		VirtualTimeScheduler clock = VirtualTimeScheduler.create();
		Bulkhead bulkhead = new Bulkhead("test", new BulkheadSettings(1, 10, Duration.ofSeconds(10)), null, clock);
		Sinks.One<String> running = Sinks.one();
		bulkhead.guard(running.asMono()).subscribe();
		List<Throwable> errors = new ArrayList<>();
		bulkhead.guard(Mono.just("waits")).subscribe((value) -> {
		}, errors::add);
		// Waiting for a slow call that has not finished: no turnover, no standing queue.
		clock.advanceTimeBy(Duration.ofSeconds(9));
		assertThat(errors).isEmpty();
		clock.advanceTimeBy(Duration.ofSeconds(1));
		assertThat(errors).singleElement().isInstanceOf(CapacityExceededException.class);
	}

	@Test
	void admitsUpToTheLimitQueuesFifoAndRejectsWhenTheQueueIsFull() {
		Bulkhead bulkhead = new Bulkhead("test", new BulkheadSettings(2, 2, Duration.ofSeconds(10)), null);
		List<Sinks.One<String>> calls = new ArrayList<>();
		List<String> completionOrder = new ArrayList<>();
		List<Disposable> subscriptions = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			Sinks.One<String> sink = Sinks.one();
			calls.add(sink);
			String label = "call-" + i;
			subscriptions.add(bulkhead.guard(Mono.defer(() -> {
				completionOrder.add(label + " started");
				return sink.asMono();
			})).subscribe());
		}
		assertThat(completionOrder).containsExactly("call-0 started", "call-1 started");
		assertThat(bulkhead.snapshot().inFlight()).isEqualTo(2);
		assertThat(bulkhead.snapshot().queued()).isEqualTo(2);
		StepVerifier.create(bulkhead.guard(Mono.just("x")))
			.expectErrorSatisfies((ex) -> assertThat(ex).isInstanceOf(CapacityExceededException.class)
				.extracting((e) -> ((CapacityExceededException) e).getReason())
				.isEqualTo(Bulkhead.REASON_FULL))
			.verify(Duration.ofSeconds(5));
		calls.get(1).tryEmitValue("done");
		assertThat(completionOrder).containsExactly("call-0 started", "call-1 started", "call-2 started");
		calls.get(0).tryEmitError(new IllegalStateException("boom"));
		assertThat(completionOrder).endsWith("call-3 started");
		subscriptions.get(2).dispose();
		subscriptions.get(3).dispose();
		assertThat(bulkhead.snapshot().inFlight()).isZero();
		assertThat(bulkhead.snapshot().rejected()).containsEntry("full", 1L);
	}

	@Test
	void aCallCancelledWhileQueuedLeavesTheQueue() {
		Bulkhead bulkhead = new Bulkhead("test", new BulkheadSettings(1, 5, Duration.ofSeconds(10)), null);
		Disposable holder = bulkhead.guard(Mono.never()).subscribe();
		AtomicInteger started = new AtomicInteger();
		Disposable queued = bulkhead.guard(Mono.fromRunnable(started::incrementAndGet)).subscribe();
		assertThat(bulkhead.snapshot().queued()).isEqualTo(1);
		queued.dispose();
		assertThat(bulkhead.snapshot().queued()).isZero();
		holder.dispose();
		assertThat(started).hasValue(0);
		assertThat(bulkhead.snapshot().inFlight()).isZero();
	}

	@Test
	void queueWaitIsCappedByTheRequestDeadline() {
		Bulkhead bulkhead = new Bulkhead("test", new BulkheadSettings(1, 5, Duration.ofSeconds(30)), null);
		Disposable holder = bulkhead.guard(Mono.never()).subscribe();
		long started = System.nanoTime();
		StepVerifier.create(bulkhead.guard(Mono.just("x"))
			.contextWrite((context) -> Deadline.after(Duration.ofMillis(100)).putIn(context)))
			.expectError(DeadlineExceededException.class)
			.verify(Duration.ofSeconds(5));
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
		assertThat(bulkhead.snapshot().queued()).isZero();
		holder.dispose();
		assertThat(bulkhead.snapshot().inFlight()).isZero();
	}

	@Test
	void queueWaitTimesOutWithBulkheadFull() {
		Bulkhead bulkhead = new Bulkhead("test", new BulkheadSettings(1, 5, Duration.ofMillis(50)), null);
		Disposable holder = bulkhead.guard(Mono.never()).subscribe();
		StepVerifier.create(bulkhead.guard(Mono.just("x")))
			.expectErrorSatisfies((ex) -> assertThat(((CapacityExceededException) ex).getReason())
				.isEqualTo(Bulkhead.REASON_FULL))
			.verify(Duration.ofSeconds(5));
		assertThat(bulkhead.snapshot().rejected()).containsEntry("queue-timeout", 1L);
		holder.dispose();
		assertThat(bulkhead.snapshot().inFlight()).isZero();
	}

	/**
	 * 10 000 calls through a small bulkhead from many threads, each randomly completing, failing, hanging until a
	 * timeout or being cancelled from outside, while queued or while running: afterwards no permit is missing and
	 * none is left over, and the limit was never exceeded.
	 */
	@Test
	void permitsComeBackExactlyUnderRandomCancelsAndTimeouts() {
		int limit = 8;
		Bulkhead bulkhead = new Bulkhead("stress", new BulkheadSettings(limit, 32, Duration.ofMillis(20)), null);
		AtomicInteger running = new AtomicInteger();
		AtomicInteger maxRunning = new AtomicInteger();
		AtomicInteger terminated = new AtomicInteger();
		int calls = 10_000;
		Flux.range(0, calls).flatMap((i) -> {
			ThreadLocalRandom random = ThreadLocalRandom.current();
			Mono<Integer> work = switch (random.nextInt(4)) {
				case 0 -> Mono.just(i);
				case 1 -> Mono.delay(Duration.ofMillis(random.nextInt(3))).thenReturn(i);
				case 2 -> Mono.error(new IllegalStateException("failed"));
				default -> Mono.never();
			};
			Mono<Integer> tracked = Mono.defer(() -> {
				int now = running.incrementAndGet();
				maxRunning.accumulateAndGet(now, Math::max);
				// once, before the signal travels on (and the permit passes to the next call). A lock, not a flag:
				// a completion and a cancel can race, and the one that loses must not go on (and release the permit)
				// before the winner has counted the call out, or the next call is counted in first.
				Object callLock = new Object();
				boolean[] ended = new boolean[1];
				Runnable end = () -> {
					synchronized (callLock) {
						if (!ended[0]) {
							ended[0] = true;
							running.decrementAndGet();
						}
					}
				};
				return work.doOnTerminate(end).doOnCancel(end);
			});
			Mono<Integer> guarded = bulkhead.guard(tracked)
				.timeout(Duration.ofMillis(1 + random.nextInt(15)))
				.subscribeOn(Schedulers.parallel());
			if (random.nextInt(5) == 0) {
				// an outside cancel at a random moment: while queued, while running or after completion
				guarded = guarded.take(Duration.ofMillis(random.nextInt(10)));
			}
			return guarded.onErrorResume((ex) -> Mono.empty()).doFinally((signal) -> terminated.incrementAndGet());
		}, 256).blockLast(Duration.ofSeconds(60));

		await().atMost(5, TimeUnit.SECONDS).untilAsserted(() -> {
			assertThat(terminated).as("terminated calls").hasValue(calls);
			GateSnapshot snapshot = bulkhead.snapshot();
			assertThat(snapshot.inFlight()).as("permits in flight").isZero();
			assertThat(snapshot.queued()).as("queued calls").isZero();
			assertThat(running).as("running calls").hasValue(0);
		});
		assertThat(maxRunning.get()).isLessThanOrEqualTo(limit);
		assertThat(bulkhead.snapshot().admitted()).isPositive();
		assertThat(bulkhead.snapshot().rejectedTotal()).isPositive();
		// the bulkhead still admits a full set of calls
		List<Disposable> holders = new ArrayList<>();
		for (int i = 0; i < limit; i++) {
			holders.add(bulkhead.guard(Mono.never()).subscribe());
		}
		assertThat(bulkhead.snapshot().inFlight()).isEqualTo(limit);
		holders.forEach(Disposable::dispose);
		assertThat(bulkhead.snapshot().inFlight()).isZero();
	}

}

package dev.fluxgate.gate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;

class FifoPermitsTests {

	private final GateStats stats = new GateStats("test", "test", null);

	private final FifoPermits.Refusal full = new FifoPermits.Refusal("full",
			() -> new IllegalStateException("queue full"));

	private final List<String> started = new ArrayList<>();

	private final List<Throwable> errors = new ArrayList<>();

	@Test
	void grantsUpToTheLimitThenHandsPermitsOutInArrivalOrder() {
		FifoPermits permits = new FifoPermits(2, 5, this.stats, null);
		Sinks.One<String> first = Sinks.one();
		Sinks.One<String> second = Sinks.one();
		run(permits, "first", first);
		run(permits, "second", second);
		run(permits, "third", Sinks.one());
		run(permits, "fourth", Sinks.one());
		run(permits, "fifth", Sinks.one());
		assertThat(this.started).containsExactly("first", "second");
		assertThat(permits.load()).isEqualTo(new FifoPermits.Load(2, 3));

		second.tryEmitValue("done");
		assertThat(this.started).containsExactly("first", "second", "third");
		first.tryEmitError(new IllegalStateException("failed"));
		assertThat(this.started).containsExactly("first", "second", "third", "fourth");
		assertThat(permits.load()).isEqualTo(new FifoPermits.Load(2, 1));
		assertThat(permits.tryAcquire()).isNull();
	}

	@Test
	void aReleaseHandsThePermitToTheNextWaiterAndInFlightStaysTheSame() {
		List<String> seen = new ArrayList<>();
		FifoPermits permits = new FifoPermits(1, 5, this.stats,
				(queued, departed) -> seen.add(queued + (departed ? " departed" : "")));
		FifoPermits.Permit held = permits.tryAcquire();
		assertThat(held).isNotNull();
		assertThat(permits.tryAcquire()).isNull();
		run(permits, "waiter", Sinks.one());
		assertThat(permits.load()).isEqualTo(new FifoPermits.Load(1, 1));

		FifoPermits.holding(Mono.just(held), Mono.empty()).subscribe();
		assertThat(this.started).containsExactly("waiter");
		assertThat(permits.load()).isEqualTo(new FifoPermits.Load(1, 0));
		assertThat(seen).containsExactly("0", "0", "0 departed");
		assertThat(this.stats.admittedCount()).isEqualTo(2);
	}

	@Test
	void aPermitIsReleasedOnlyOnce() {
		FifoPermits permits = new FifoPermits(1, 5, this.stats, null);
		FifoPermits.Permit held = permits.tryAcquire();
		assertThat(held).isNotNull();
		Sinks.One<String> waiter = Sinks.one();
		run(permits, "waiter", waiter);
		FifoPermits.holding(Mono.just(held), Mono.empty()).subscribe();
		FifoPermits.holding(Mono.just(held), Mono.empty()).subscribe();
		assertThat(permits.load()).as("the waiter's permit was not released with the first one")
			.isEqualTo(new FifoPermits.Load(1, 0));
		waiter.tryEmitValue("done");
		assertThat(permits.load()).isEqualTo(new FifoPermits.Load(0, 0));
	}

	@Test
	void aCallerCancelledWhileWaitingLeavesTheQueueAndNeverRuns() {
		FifoPermits permits = new FifoPermits(1, 5, this.stats, null);
		Sinks.One<String> holder = Sinks.one();
		run(permits, "holder", holder);
		Disposable impatient = run(permits, "impatient", Sinks.one());
		run(permits, "patient", Sinks.one());
		impatient.dispose();
		assertThat(permits.load()).isEqualTo(new FifoPermits.Load(1, 1));
		holder.tryEmitValue("done");
		assertThat(this.started).containsExactly("holder", "patient");
	}

	@Test
	void aCancelThatLostTheRaceToAGrantGivesThePermitBack() {
		FifoPermits permits = new FifoPermits(1, 5, this.stats, null);
		FifoPermits.Permit held = permits.tryAcquire();
		assertThat(held).isNotNull();
		// A caller that has not requested yet: the grant reaches its sink but not the caller, so the caller's cancel
		// comes after the grant and no discard hook can take the permit back for it.
		BaseSubscriber<FifoPermits.Permit> caller = new BaseSubscriber<>() {

			@Override
			protected void hookOnSubscribe(Subscription subscription) {
			}

		};
		permits.acquire(this.full).subscribe(caller);
		FifoPermits.holding(Mono.just(held), Mono.empty()).subscribe();
		assertThat(permits.load()).isEqualTo(new FifoPermits.Load(1, 0));
		caller.cancel();
		assertThat(permits.load()).isEqualTo(new FifoPermits.Load(0, 0));
		assertThat(permits.tryAcquire()).isNotNull();
	}

	@Test
	void aFullQueueRefusesAtOnce() {
		FifoPermits permits = new FifoPermits(1, 1, this.stats, null);
		run(permits, "holder", Sinks.one());
		run(permits, "waiter", Sinks.one());
		run(permits, "refused", Sinks.one());
		assertThat(this.errors).singleElement().satisfies((ex) -> assertThat(ex).hasMessage("queue full"));
		assertThat(this.stats.rejectedCounts()).isEqualTo(Map.of("full", 1L));
		assertThat(permits.load()).isEqualTo(new FifoPermits.Load(1, 1));
		assertThat(this.started).containsExactly("holder");
	}

	@Test
	void aWaiterTimesOutOnItsTimerAndAGrantedOneDoesNot() {
		VirtualTimeScheduler timer = VirtualTimeScheduler.create();
		FifoPermits.Refusal expired = new FifoPermits.Refusal("expired", () -> new IllegalStateException("too long"));
		FifoPermits permits = new FifoPermits(1, 5, this.stats, null);
		Sinks.One<String> holder = Sinks.one();
		run(permits, "holder", holder);
		Mono<String> expiring = FifoPermits.holding(
				permits.acquire(this.full, Duration.ofSeconds(1), timer, expired), Mono.fromCallable(() -> {
					this.started.add("expiring");
					return "x";
				}));
		expiring.subscribe((value) -> {
		}, this.errors::add);
		timer.advanceTimeBy(Duration.ofMillis(999));
		assertThat(this.errors).isEmpty();
		timer.advanceTimeBy(Duration.ofMillis(1));
		assertThat(this.errors).singleElement().satisfies((ex) -> assertThat(ex).hasMessage("too long"));
		assertThat(this.stats.rejectedCounts()).isEqualTo(Map.of("expired", 1L));
		assertThat(permits.load()).isEqualTo(new FifoPermits.Load(1, 0));

		Sinks.One<String> granted = Sinks.one();
		Disposable waiter = FifoPermits.holding(permits.acquire(this.full, Duration.ofSeconds(1), timer, expired),
				granted.asMono())
			.subscribe((value) -> {
			}, this.errors::add);
		timer.advanceTimeBy(Duration.ofMillis(500));
		holder.tryEmitValue("done");
		timer.advanceTimeBy(Duration.ofSeconds(5));
		assertThat(this.errors).hasSize(1);
		assertThat(permits.load()).isEqualTo(new FifoPermits.Load(1, 0));
		waiter.dispose();
		assertThat(permits.load()).isEqualTo(new FifoPermits.Load(0, 0));
		assertThat(this.started).containsExactly("holder");
	}

	private Disposable run(FifoPermits permits, String label, Sinks.One<String> result) {
		return FifoPermits.holding(permits.acquire(this.full), Mono.defer(() -> {
			this.started.add(label);
			return result.asMono();
		})).subscribe((value) -> {
		}, this.errors::add);
	}

}

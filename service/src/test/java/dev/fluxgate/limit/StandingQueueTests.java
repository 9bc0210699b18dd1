package dev.fluxgate.limit;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The standing-queue rule in virtual time: the clock only moves when a test moves it.
 */
class StandingQueueTests {

	private static final Duration NORMAL = Duration.ofSeconds(1);

	private final AtomicLong now = new AtomicLong();

	private final StandingQueue queue = new StandingQueue(Duration.ofMillis(25), Duration.ofMillis(500), 4,
			this.now::get);

	@Test
	void aQueueThatDrainsNeverStands() {
		for (int i = 0; i < 100; i++) {
			this.queue.observe(3);
			this.queue.departed();
			advance(100);
			this.queue.observe(0);
		}
		assertThat(this.queue.isStanding()).isFalse();
		assertThat(this.queue.maxWait(NORMAL)).isEqualTo(NORMAL);
	}

	@Test
	void aQueueNonEmptyForTheIntervalWithEnoughTurnoverStandsAndCutsTheWait() {
		this.queue.observe(1);
		departures(4);
		advance(499);
		assertThat(this.queue.isStanding()).as("before the interval").isFalse();
		advance(1);
		assertThat(this.queue.isStanding()).isTrue();
		assertThat(this.queue.maxWait(NORMAL)).isEqualTo(Duration.ofMillis(25));
		assertThat(this.queue.maxWait(Duration.ofMillis(10))).as("a shorter bound wins").isEqualTo(Duration.ofMillis(10));
	}

	@Test
	void aQueueWhoseResourceDoesNotTurnOverDoesNotStandHoweverLongItWaits() {
		// A slow but healthy dependency: nothing left the queue, so its wait is the dependency's, not a backlog's.
		this.queue.observe(2);
		departures(3);
		advance(60_000);
		assertThat(this.queue.isStanding()).isFalse();
		this.queue.departed();
		assertThat(this.queue.isStanding()).isTrue();
	}

	@Test
	void seeingTheQueueEmptyDoesNotEndAStandingQueueThatKeepsRefusing() {
		// Cutting the wait is what empties the queue: ending there would let it refill to its full length.
		standing();
		for (int i = 0; i < 10; i++) {
			this.queue.observe(0);
			this.queue.refused();
			advance(400);
			this.queue.observe(3);
			assertThat(this.queue.isStanding()).as("after %d empty queues", i + 1).isTrue();
		}
	}

	@Test
	void aStandingQueueEndsAWholeIntervalAfterItsLastRefusalAndMustThenStandAgain() {
		standing();
		this.queue.refused();
		advance(499);
		this.queue.observe(0);
		assertThat(this.queue.isStanding()).isTrue();
		advance(1);
		assertThat(this.queue.isStanding()).as("nothing refused for the interval: the load has gone").isFalse();
		this.queue.observe(5);
		advance(600);
		assertThat(this.queue.isStanding()).as("departures before it ended do not count").isFalse();
		departures(4);
		assertThat(this.queue.isStanding()).isTrue();
	}

	@Test
	void aStandingQueueThatRefusesNothingEndsAfterTheInterval() {
		standing();
		this.queue.observe(0);
		advance(500);
		assertThat(this.queue.isStanding()).isFalse();
		assertThat(this.queue.maxWait(NORMAL)).isEqualTo(NORMAL);
	}

	@Test
	void workThatWouldWaitLongerThanTheTargetAtTheQueuesPaceIsTooLateOnArrival() {
		// departures every 5 ms from a queue that never emptied: 5 waiters leave within the 25 ms target, 6 do not
		this.queue.observe(10);
		for (int i = 0; i < 120; i++) {
			this.queue.departed();
			advance(5);
		}
		assertThat(this.queue.isStanding()).isTrue();
		assertThat(this.queue.refusesBehind(5)).isFalse();
		advance(400);
		assertThat(this.queue.refusesBehind(6)).isTrue();
		assertThat(this.queue.refusesBehind(0)).isFalse();
		this.queue.observe(0);
		advance(499);
		assertThat(this.queue.isStanding()).as("a refusal on arrival keeps the queue standing").isTrue();
	}

	@Test
	void gapsAcrossAnEmptyQueueDoNotCountAsItsPace() {
		// a departure every 5 ms while work waits, then one after the queue ran dry and sat idle for 400 ms
		this.queue.observe(10);
		for (int i = 0; i < 120; i++) {
			this.queue.departed();
			advance(5);
		}
		assertThat(this.queue.isStanding()).isTrue();
		this.queue.observe(0);
		advance(400);
		this.queue.departed();
		this.queue.observe(10);
		this.queue.refused();
		assertThat(this.queue.isStanding()).isTrue();
		assertThat(this.queue.refusesBehind(5)).isFalse();
	}

	@Test
	void noArrivalIsTooLateBeforeTheQueueStands() {
		this.queue.observe(10);
		for (int i = 0; i < 50; i++) {
			this.queue.departed();
			advance(5);
		}
		assertThat(this.queue.isStanding()).as("250 ms only").isFalse();
		assertThat(this.queue.refusesBehind(100)).isFalse();
	}

	@Test
	void anOldestWaiterBeyondTheTargetIsTooLateOnlyWhileTheQueueStands() {
		long enqueued = this.now.get();
		this.queue.observe(1);
		advance(100);
		assertThat(this.queue.refusesAfterOldest(enqueued)).as("not standing yet").isFalse();
		departures(4);
		advance(400);
		assertThat(this.queue.refusesAfterOldest(enqueued)).isTrue();
		assertThat(this.queue.refusesAfterOldest(this.now.get() - Duration.ofMillis(25).toNanos()))
			.as("exactly the target is still fine").isFalse();
	}

	@Test
	void rejectsNonsensicalBounds() {
		assertThatIllegalArgumentException().isThrownBy(() -> new StandingQueue(Duration.ZERO, NORMAL, 1));
		assertThatIllegalArgumentException().isThrownBy(() -> new StandingQueue(NORMAL, Duration.ofMillis(-1), 1));
	}

	private void standing() {
		this.queue.observe(1);
		departures(4);
		advance(600);
		assertThat(this.queue.isStanding()).isTrue();
	}

	private void departures(int count) {
		for (int i = 0; i < count; i++) {
			this.queue.departed();
		}
	}

	private void advance(long millis) {
		this.now.addAndGet(Duration.ofMillis(millis).toNanos());
	}

}

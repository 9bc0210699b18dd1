package dev.fluxgate.limit;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Drives {@link GradientLimit} in virtual time: each "window" feeds a second's worth of outcomes at a chosen
 * latency and concurrency, then moves the clock on.
 */
class GradientLimitTests {

	private static final long MS = 1_000_000L;

	private final AtomicLong clock = new AtomicLong();

	private final GradientLimit limit = new GradientLimit(GradientLimitSettings.withCeiling(200), this.clock::get);

	@Test
	void startsWarmAtTheCeiling() {
		assertThat(this.limit.current()).isEqualTo(200);
	}

	@Test
	void fallsWhenLatencyRisesAndRecoversWhenItFalls() {
		windows(5, 10 * MS, fullLoad(), Outcome.SUCCESS);
		assertThat(this.limit.current()).isEqualTo(200);
		windows(15, 40 * MS, fullLoad(), Outcome.SUCCESS);
		int overloaded = this.limit.current();
		assertThat(overloaded).isLessThan(100);
		windows(30, 10 * MS, fullLoad(), Outcome.SUCCESS);
		assertThat(this.limit.current()).isEqualTo(200);
	}

	@Test
	void neverCreepsUpWhileLatencyIsAboveTolerance() {
		GradientLimit small = new GradientLimit(new GradientLimitSettings(100, 1, 100, 1.5, 0.2, 0.9, 0.01,
				Duration.ofSeconds(1), 10, 100, 3), this.clock::get);
		for (int i = 0; i < 5; i++) {
			feed(small, 10 * MS, 20, 0);
		}
		while (small.current() > 5) {
			feed(small, 10 * MS, 0, 20);
		}
		int previous = small.current();
		for (int i = 0; i < 15; i++) {
			// Twice the baseline (gradient 0.75): Gradient2's "L * gradient + 4" climbs towards 16 from here.
			feed(small, 20 * MS, 20, 0);
			assertThat(small.current()).isLessThanOrEqualTo(previous);
			previous = small.current();
		}
		assertThat(previous).isLessThanOrEqualTo(5);
	}

	@Test
	void dropsLowerTheLimitEvenWhenLatencyLooksStable() {
		windows(5, 10 * MS, fullLoad(), Outcome.SUCCESS);
		// Every call times out at the same latency: Gradient2 sees a gradient of 1 and grows (concurrency-limits#137).
		for (int i = 0; i < 10; i++) {
			window(10 * MS, fullLoad(), 20, 20);
		}
		assertThat(this.limit.current()).isLessThan(200 * 9 / 10 * 9 / 10);
	}

	@Test
	void ignoredOutcomesChangeNothing() {
		windows(5, 10 * MS, fullLoad(), Outcome.SUCCESS);
		windows(20, 5_000 * MS, fullLoad(), Outcome.IGNORED);
		assertThat(this.limit.current()).isEqualTo(200);
		assertThat(this.limit.baselineRttNanos()).isEqualTo(10.0 * MS);
	}

	@Test
	void holdsWhenTheApplicationDoesNotUseTheLimit() {
		windows(5, 10 * MS, 10, Outcome.SUCCESS);
		windows(20, 100 * MS, 10, Outcome.SUCCESS);
		windows(20, 10 * MS, 10, Outcome.DROPPED);
		assertThat(this.limit.current()).isEqualTo(200);
	}

	@Test
	void staysWithinItsBounds() {
		windows(5, 10 * MS, fullLoad(), Outcome.SUCCESS);
		windows(100, 10 * MS, 200, Outcome.DROPPED);
		assertThat(this.limit.current()).isEqualTo(20);
		windows(200, 1 * MS, 200, Outcome.SUCCESS);
		assertThat(this.limit.current()).isEqualTo(200);
	}

	@Test
	void aSingleDropBelowTheThresholdIsNotOverload() {
		windows(5, 10 * MS, fullLoad(), Outcome.SUCCESS);
		for (int i = 0; i < 10; i++) {
			window(10 * MS, fullLoad(), 200, 1);
		}
		assertThat(this.limit.current()).isEqualTo(200);
	}

	@Test
	void rejectsInconsistentSettings() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new GradientLimitSettings(5, 10, 100, 1.5, 0.2, 0.9, 0.01, Duration.ofSeconds(1), 10,
					100, 3))
			.withMessageContaining("initialLimit");
	}

	private static final int FULL_LOAD = -1;

	private int fullLoad() {
		return FULL_LOAD;
	}

	private void windows(int count, long rttNanos, int inFlight, Outcome outcome) {
		for (int i = 0; i < count; i++) {
			window(rttNanos, inFlight, (outcome == Outcome.SUCCESS) ? 20 : 0, (outcome == Outcome.DROPPED) ? 20 : 0,
					outcome);
		}
	}

	/** One window at full load (in flight = the current limit). */
	private void feed(GradientLimit target, long rttNanos, int successes, int drops) {
		int total = successes + drops;
		for (int i = 0; i < total; i++) {
			this.clock.addAndGet(1000 * MS / total);
			target.onSample(rttNanos, target.current(), (i < drops) ? Outcome.DROPPED : Outcome.SUCCESS);
		}
	}

	private void window(long rttNanos, int inFlight, int successes, int drops) {
		window(rttNanos, inFlight, successes, drops, null);
	}

	private void window(long rttNanos, int requestedInFlight, int successes, int drops, Outcome only) {
		int inFlight = (requestedInFlight == FULL_LOAD) ? this.limit.current() : requestedInFlight;
		if (only == Outcome.IGNORED) {
			for (int i = 0; i < 20; i++) {
				this.limit.onSample(rttNanos, inFlight, Outcome.IGNORED);
				this.clock.addAndGet(60 * MS);
			}
			return;
		}
		int total = successes + drops;
		for (int i = 0; i < total; i++) {
			this.clock.addAndGet(1000 * MS / total);
			this.limit.onSample(rttNanos, inFlight, (i < drops) ? Outcome.DROPPED : Outcome.SUCCESS);
		}
	}

}

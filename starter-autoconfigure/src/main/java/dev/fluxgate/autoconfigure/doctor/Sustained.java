package dev.fluxgate.autoconfigure.doctor;

import java.time.Duration;
import java.util.List;
import java.util.function.BiPredicate;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;

/**
 * How long a condition has held without interruption, up to the newest sample of a history.
 */
final class Sustained {

	private Sustained() {
	}

	/**
	 * How long a condition on single samples has held.
	 * @param history samples, oldest first
	 * @param condition the condition
	 * @return the time from the earliest sample of the unbroken run to the newest, unless the newest sample does not
	 * satisfy it
	 */
	static @Nullable Duration heldFor(List<Signals> history, Predicate<Signals> condition) {
		return heldFor(history, (previous, current) -> condition.test(current));
	}

	/**
	 * How long a condition on consecutive samples (for counters that must keep growing) has held.
	 * @param history samples, oldest first
	 * @param condition the condition, given the previous sample (none for the oldest) and the current one
	 * @return the time from the earliest sample of the unbroken run to the newest, unless the newest sample does not
	 * satisfy it
	 */
	static @Nullable Duration heldFor(List<Signals> history, BiPredicate<@Nullable Signals, Signals> condition) {
		// A saturated resource is sampled between two uses now and then (a connection returned and taken again):
		// an isolated miss, the newest sample included, does not end the run; two misses in a row do. So a run
		// reported over is over, and readiness does not flap on one lucky sample.
		int newest = history.size() - 1;
		int latestHeld = -1;
		int earliest = -1;
		boolean previousMissed = false;
		for (int index = newest; index >= 0; index--) {
			if (condition.test((index > 0) ? history.get(index - 1) : null, history.get(index))) {
				latestHeld = (latestHeld < 0) ? index : latestHeld;
				earliest = index;
				previousMissed = false;
			}
			else if (previousMissed || index < newest - 1 && latestHeld < 0) {
				break;
			}
			else {
				previousMissed = true;
			}
		}
		if (earliest < 0) {
			return null;
		}
		return Duration.between(history.get(earliest).at(), history.get(newest).at());
	}

	static boolean atLeast(Duration held, Duration window) {
		return held != null && held.compareTo(window) >= 0;
	}

}

package dev.fluxgate.doctor;

import java.time.Duration;
import java.util.List;
import java.util.function.BiPredicate;
import java.util.function.Predicate;

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
	 * @return the time from the earliest sample of the unbroken run to the newest, or {@code null} when the newest
	 * sample does not satisfy it
	 */
	static Duration heldFor(List<Signals> history, Predicate<Signals> condition) {
		return heldFor(history, (previous, current) -> condition.test(current));
	}

	/**
	 * How long a condition on consecutive samples (for counters that must keep growing) has held.
	 * @param history samples, oldest first
	 * @param condition the condition, given the previous sample ({@code null} for the oldest) and the current one
	 * @return the time from the earliest sample of the unbroken run to the newest, or {@code null} when the newest
	 * sample does not satisfy it
	 */
	static Duration heldFor(List<Signals> history, BiPredicate<Signals, Signals> condition) {
		int index = history.size() - 1;
		int earliest = -1;
		while (index >= 0 && condition.test((index > 0) ? history.get(index - 1) : null, history.get(index))) {
			earliest = index;
			index--;
		}
		if (earliest < 0) {
			return null;
		}
		return Duration.between(history.get(earliest).at(), history.get(history.size() - 1).at());
	}

	static boolean atLeast(Duration held, Duration window) {
		return held != null && held.compareTo(window) >= 0;
	}

}

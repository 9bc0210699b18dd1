package dev.fluxgate.limit;

import java.time.Duration;

/**
 * Settings of a {@link GradientLimit}.
 *
 * @param initialLimit the limit before any sample: a warm start, so a fresh instance does not shed traffic it can
 * serve while it learns
 * @param minLimit the floor the limit never goes below
 * @param maxLimit the ceiling the limit never goes above
 * @param rttTolerance how much slower than the long-term latency a window may be before the limit shrinks (1.5
 * tolerates 50 %)
 * @param smoothing weight (0, 1] of a new estimate against the current limit
 * @param backoffRatio factor (0, 1) the limit is multiplied by after a window with too many drops
 * @param dropRatioThreshold fraction of a window's outcomes that must be drops before the limit backs off, so a
 * single failing endpoint does not pin the limit to the floor
 * @param window shortest time one window of samples covers
 * @param minWindowSamples fewest outcomes a window needs before it updates the limit
 * @param longWindow number of windows the long-term latency averages over
 * @param warmupWindows windows that only establish the latency baseline, during which latency never lowers the limit
 */
public record GradientLimitSettings(int initialLimit, int minLimit, int maxLimit, double rttTolerance,
		double smoothing, double backoffRatio, double dropRatioThreshold, Duration window, int minWindowSamples,
		int longWindow, int warmupWindows) {

	public GradientLimitSettings {
		require(minLimit >= 1, "minLimit must be at least 1");
		require(maxLimit >= minLimit, "maxLimit must be at least minLimit");
		require(initialLimit >= minLimit && initialLimit <= maxLimit, "initialLimit must be within [minLimit, maxLimit]");
		require(rttTolerance >= 1.0, "rttTolerance must be at least 1.0");
		require(smoothing > 0 && smoothing <= 1, "smoothing must be in (0, 1]");
		require(backoffRatio > 0 && backoffRatio < 1, "backoffRatio must be in (0, 1)");
		require(dropRatioThreshold >= 0 && dropRatioThreshold < 1, "dropRatioThreshold must be in [0, 1)");
		require(window != null && !window.isNegative() && !window.isZero(), "window must be positive");
		require(minWindowSamples >= 1, "minWindowSamples must be at least 1");
		require(longWindow >= 1, "longWindow must be at least 1");
		require(warmupWindows >= 1, "warmupWindows must be at least 1");
	}

	/**
	 * Fluxgate's defaults for a given ceiling: start at the ceiling (warm start), never below a tenth of it, tolerate
	 * 50 % latency growth, one-second windows of at least 10 outcomes, a long-term baseline over about 100 windows
	 * and 3 warm-up windows.
	 * @param maxLimit the ceiling
	 * @return the settings
	 */
	public static GradientLimitSettings withCeiling(int maxLimit) {
		return new GradientLimitSettings(maxLimit, Math.max(1, maxLimit / 10), maxLimit, 1.5, 0.2, 0.9, 0.01,
				Duration.ofSeconds(1), 10, 100, 3);
	}

	private static void require(boolean condition, String message) {
		if (!condition) {
			throw new IllegalArgumentException(message);
		}
	}

}

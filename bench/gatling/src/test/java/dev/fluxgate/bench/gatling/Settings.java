package dev.fluxgate.bench.gatling;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * The simulation's settings, from system properties (bench/overload.sh sets them).
 *
 * @param baseUrl {@code bench.baseUrl}, the service
 * @param path {@code bench.path}, the endpoint, e.g. {@code /work?ms=50}
 * @param capacity {@code bench.capacity}, C in requests per second, measured closed-loop beforehand
 * @param factors {@code bench.factors}, the offered loads as multiples of C, e.g. {@code 0.5,1,2,4}
 * @param stepSeconds {@code bench.stepSeconds}, how long each step lasts
 * @param recoveryFactor {@code bench.recoveryFactor}, the load after the last step, as a multiple of C
 * @param recoverySeconds {@code bench.recoverySeconds}, how long the recovery step lasts
 * @param out {@code bench.out}, the directory for the result files
 * @param scenario {@code bench.scenario}, copied into every result row, e.g. {@code work}
 * @param config {@code bench.config}, copied into every result row, e.g. {@code default}
 */
record Settings(String baseUrl, String path, double capacity, double[] factors, int stepSeconds,
		double recoveryFactor, int recoverySeconds, Path out, String scenario, String config) {

	static Settings fromSystemProperties() {
		String capacity = System.getProperty("bench.capacity");
		if (capacity == null) {
			throw new IllegalStateException("Set bench.capacity (requests per second, measured closed-loop)");
		}
		return new Settings(System.getProperty("bench.baseUrl", "http://127.0.0.1:18190"),
				System.getProperty("bench.path", "/work?ms=50"), Double.parseDouble(capacity),
				Arrays.stream(System.getProperty("bench.factors", "0.5,1,2,4").split(","))
					.mapToDouble((factor) -> Double.parseDouble(factor.trim()))
					.toArray(),
				Integer.getInteger("bench.stepSeconds", 30),
				Double.parseDouble(System.getProperty("bench.recoveryFactor", "0.5")),
				Integer.getInteger("bench.recoverySeconds", 15),
				Path.of(System.getProperty("bench.out", "target/overload")),
				System.getProperty("bench.scenario", "scenario"), System.getProperty("bench.config", "config"));
	}

	double factor(int step) {
		return (step < this.factors.length) ? this.factors[step] : this.recoveryFactor;
	}

	double rate(int step) {
		return factor(step) * this.capacity;
	}

	/** Steps, the last one being recovery. */
	int stepCount() {
		return this.factors.length + 1;
	}

	/** The step of the n-th user (0-based, in injection order): users arrive at {@link #rate(int)} per second. */
	int stepOfUser(long n) {
		long before = 0;
		for (int step = 0; step < stepCount() - 1; step++) {
			before += Math.round(rate(step) * stepSeconds(step));
			if (n < before) {
				return step;
			}
		}
		return stepCount() - 1;
	}

	/**
	 * When the n-th user is due, in ms since the first: the schedule of an ideal open-loop generator. A request sent
	 * later than this shows a generator that could not keep the rate (a starved load generator is closed-loop again).
	 */
	double dueMillis(long n) {
		int step = stepOfUser(n);
		long before = 0;
		for (int i = 0; i < step; i++) {
			before += Math.round(rate(i) * stepSeconds(i));
		}
		return stepStartMillis(step) + (n - before) * 1000.0 / rate(step);
	}

	/** Request name in Gatling's report: one line per step. */
	String stepName(long n) {
		int step = stepOfUser(n);
		return ((step < this.factors.length) ? "step " + (step + 1) : "recovery") + " " + factor(step) + "xC";
	}

	long stepStartMillis(int step) {
		return step * this.stepSeconds * 1000L;
	}

	/** The first columns of every result row. */
	String label() {
		return this.scenario + "," + this.config;
	}

	int stepSeconds(int step) {
		return (step < this.factors.length) ? this.stepSeconds : this.recoverySeconds;
	}

}

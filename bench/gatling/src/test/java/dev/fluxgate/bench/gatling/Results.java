package dev.fluxgate.bench.gatling;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every request's user, send time, latency, status and problem reason, summarised once the run ends:
 * {@code steps.csv} (one row per step), {@code timeline.csv} (one row per second) and a table on standard output.
 * <p>
 * Definitions. Users are numbered in injection order, and each is due at a time the injection profile fixes; a
 * request belongs to the step and second it was due in. Goodput: 200s per second. Admitted latency: latency of the
 * 200s. A rejection: any other status; the reason is the problem body's {@code reason}. No answer: the client gave
 * up (Gatling's request timeout) or the connection failed. Generator lag: how much later than due a request was sent
 * (the most punctual request counts as on time); when its p99 is more than a few milliseconds the generator was
 * starved and the load was not open-loop. Recovery: the seconds after the load drops until every later one-second
 * bucket of the recovery step is healthy, i.e. every request answered 200 with p99 at most twice the first step's
 * admitted p99 (the first step is the light load, 0.5 × C); -1 when it never is.
 */
final class Results {

	private final Settings settings;

	private final AtomicLong origin = new AtomicLong();

	private final AtomicLong firstUser = new AtomicLong(-1);

	private final ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();

	Results(Settings settings) {
		this.settings = settings;
	}

	/** Milliseconds since the first request. */
	long now() {
		long now = System.currentTimeMillis();
		this.origin.compareAndSet(0, now);
		return now - this.origin.get();
	}

	/** The user's number in injection order, 0-based. */
	long user(long userId) {
		this.firstUser.compareAndSet(-1, userId);
		return Math.max(0, userId - this.firstUser.get());
	}

	void record(long userId, long t0, int latencyMillis, int status, String reason) {
		this.samples.add(new Sample(userId, t0, latencyMillis, status, reason));
	}

	void write() {
		long firstId = this.samples.stream().mapToLong(Sample::userId).min().orElse(0);
		List<List<Due>> byStep = new ArrayList<>();
		for (int i = 0; i < this.settings.stepCount(); i++) {
			byStep.add(new ArrayList<>());
		}
		// Send times count from the first request sent, which may itself have been late: the most punctual request
		// is taken as on time, so a lag is never negative.
		double punctual = this.samples.stream()
			.mapToDouble((sample) -> sample.t0() - this.settings.dueMillis(sample.userId() - firstId))
			.min()
			.orElse(0);
		Map<Long, List<Due>> bySecond = new TreeMap<>();
		for (Sample sample : this.samples) {
			long n = sample.userId() - firstId;
			Due due = new Due(sample, this.settings.dueMillis(n), punctual);
			byStep.get(this.settings.stepOfUser(n)).add(due);
			bySecond.computeIfAbsent((long) (due.dueMillis() / 1000), (k) -> new ArrayList<>()).add(due);
		}

		StringBuilder steps = new StringBuilder("scenario,config,step,factor,offered_rps,sent,goodput_rps,"
				+ "goodput_pct_of_c,admitted_p50_ms,admitted_p99_ms,rejected,rejected_p99_ms,no_answer,rejections,"
				+ "recovery_s,generator_lag_p99_ms\n");
		double unloadedP99 = Double.NaN;
		int last = this.settings.stepCount() - 1;
		for (int step = 0; step <= last; step++) {
			Stats stats = new Stats(byStep.get(step));
			double seconds = this.settings.stepSeconds(step);
			if (step == 0) {
				unloadedP99 = stats.admittedP99();
			}
			String recovery = (step == last) ? Integer.toString(recoverySeconds(byStep.get(step), unloadedP99)) : "";
			double goodput = stats.ok / seconds;
			steps.append(String.format(Locale.ROOT, "%s,%s,%s,%.1f,%d,%.1f,%.1f,%s,%s,%d,%s,%d,%s,%s,%s%n",
					this.settings.label(), (step == last) ? "recovery" : Integer.toString(step + 1),
					this.settings.factor(step), this.settings.rate(step), stats.sent, goodput,
					100 * goodput / this.settings.capacity(), ms(stats.admittedP50()), ms(stats.admittedP99()),
					stats.rejected, ms(stats.rejectedP99()), stats.noAnswer, stats.rejections(), recovery,
					ms(stats.lagP99())));
		}

		StringBuilder timeline = new StringBuilder(
				"scenario,config,second,sent,ok,rejected,no_answer,admitted_p99_ms,generator_lag_p99_ms\n");
		bySecond.forEach((second, list) -> {
			Stats stats = new Stats(list);
			timeline.append(String.format(Locale.ROOT, "%s,%d,%d,%d,%d,%d,%s,%s%n", this.settings.label(), second,
					stats.sent, stats.ok, stats.rejected, stats.noAnswer, ms(stats.admittedP99()),
					ms(stats.lagP99())));
		});

		try {
			Files.createDirectories(this.settings.out());
			Files.writeString(this.settings.out().resolve("steps.csv"), steps);
			Files.writeString(this.settings.out().resolve("timeline.csv"), timeline);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		System.out.println();
		System.out.println("Per step (" + this.settings.label() + ", C = " + this.settings.capacity() + " req/s):");
		System.out.print(steps);
	}

	private int recoverySeconds(List<Due> recovery, double unloadedP99) {
		int last = this.settings.stepCount() - 1;
		int buckets = this.settings.stepSeconds(last);
		long start = this.settings.stepStartMillis(last);
		List<List<Due>> bySecond = new ArrayList<>();
		for (int i = 0; i < buckets; i++) {
			bySecond.add(new ArrayList<>());
		}
		recovery.forEach((due) -> bySecond
			.get((int) Math.max(0, Math.min(buckets - 1, (due.dueMillis() - start) / 1000)))
			.add(due));
		int recoveredAt = -1;
		for (int second = buckets - 1; second >= 0; second--) {
			Stats stats = new Stats(bySecond.get(second));
			if (stats.sent == 0 || stats.ok < stats.sent || !(stats.admittedP99() <= 2 * unloadedP99)) {
				break;
			}
			recoveredAt = second;
		}
		return recoveredAt;
	}

	private static String ms(double value) {
		return Double.isNaN(value) ? "" : String.format(Locale.ROOT, "%.1f", value);
	}

	record Sample(long userId, long t0, int latencyMillis, int status, String reason) {
	}

	record Due(Sample sample, double dueMillis, double punctual) {

		double lagMillis() {
			return this.sample.t0() - this.dueMillis - this.punctual;
		}

	}

	static final class Stats {

		final int sent;

		final int ok;

		final int rejected;

		final int noAnswer;

		private final double[] admitted;

		private final double[] rejectedLatency;

		private final double[] lag;

		private final Map<String, Integer> rejectionCounts = new TreeMap<>();

		Stats(List<Due> dues) {
			List<Double> admittedList = new ArrayList<>();
			List<Double> rejectedList = new ArrayList<>();
			int noAnswerCount = 0;
			for (Due due : dues) {
				Sample sample = due.sample();
				if (sample.status() == 0) {
					noAnswerCount++;
				}
				else if (sample.status() == 200) {
					admittedList.add((double) sample.latencyMillis());
				}
				else {
					rejectedList.add((double) sample.latencyMillis());
					String key = sample.status() + (sample.reason().isEmpty() ? "" : " " + sample.reason());
					this.rejectionCounts.merge(key, 1, Integer::sum);
				}
			}
			this.sent = dues.size();
			this.ok = admittedList.size();
			this.rejected = rejectedList.size();
			this.noAnswer = noAnswerCount;
			this.admitted = sorted(admittedList);
			this.rejectedLatency = sorted(rejectedList);
			this.lag = dues.stream().mapToDouble(Due::lagMillis).sorted().toArray();
		}

		double admittedP50() {
			return percentile(this.admitted, 0.50);
		}

		double admittedP99() {
			return percentile(this.admitted, 0.99);
		}

		double rejectedP99() {
			return percentile(this.rejectedLatency, 0.99);
		}

		double lagP99() {
			return percentile(this.lag, 0.99);
		}

		/** For example {@code 503 shed:1200;no answer:3}; no commas, so it fits a CSV column. */
		String rejections() {
			StringBuilder text = new StringBuilder();
			this.rejectionCounts.forEach((key, count) -> text.append(text.isEmpty() ? "" : ";")
				.append(key)
				.append(':')
				.append(count));
			if (this.noAnswer > 0) {
				text.append(text.isEmpty() ? "" : ";").append("no answer:").append(this.noAnswer);
			}
			return text.toString();
		}

		private static double[] sorted(List<Double> values) {
			return values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
		}

		private static double percentile(double[] sorted, double quantile) {
			if (sorted.length == 0) {
				return Double.NaN;
			}
			int index = (int) Math.ceil(quantile * sorted.length) - 1;
			return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
		}

	}

}

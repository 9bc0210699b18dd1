package dev.fluxgate.bench.jmh;

import java.lang.management.ManagementFactory;
import java.util.List;

import com.sun.management.ThreadMXBean;

/**
 * Bytes allocated per request by the thread that sends it, for each configuration of {@link RequestPathBenchmark}:
 * exact on a busy machine, where JMH's {@code -prof gc} (all threads' allocation divided by the operations of an
 * iteration) also counts what the app's background threads allocate, which on a loaded machine, with few operations
 * per iteration, is spread over few requests and swamps a difference of a few hundred bytes. A reactive request runs
 * entirely on the calling thread, so its figure is the whole request; an imperative request's executor thread is
 * not counted (the "all threads" column has it, with the noise).
 * <p>
 * Run with {@code -XX:-DoEscapeAnalysis} for a figure that does not depend on how far the JIT got: every allocation
 * site then allocates (an upper bound of what a warm JIT allocates). Usage:
 * {@code java -XX:-DoEscapeAnalysis -cp ... dev.fluxgate.bench.jmh.RequestAllocation [requests] config...};
 * {@code -Dhandlers=reactive} measures one handler only (for an allocation profile of that path alone). The last
 * column, the calling thread's CPU time per request, is only worth comparing between JVMs run interleaved, and
 * without {@code -XX:-DoEscapeAnalysis}.
 */
public final class RequestAllocation {

	private RequestAllocation() {
	}

	public static void main(String[] args) {
		int requests = (args.length > 0 && args[0].matches("\\d+")) ? Integer.parseInt(args[0]) : 2000;
		List<String> configs = List.of(args).stream().filter((arg) -> !arg.matches("\\d+")).toList();
		if (configs.isEmpty()) {
			configs = List.of("off", "default");
		}
		ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
		System.out.println("handler,config,bytes_per_request_calling_thread,bytes_per_request_all_threads,"
				+ "cpu_ns_per_request_calling_thread");
		for (String config : configs) {
			RequestPathBenchmark benchmark = new RequestPathBenchmark();
			benchmark.config = config;
			benchmark.start();
			try {
				for (String handler : System.getProperty("handlers", "reactive,imperative").split(",")) {
					Runnable request = handler.equals("reactive") ? benchmark::reactive : benchmark::imperative;
					for (int i = 0; i < requests; i++) {
						request.run(); // warm-up: class loading, caches, lazily created meters
					}
					long allBefore = allThreads(threads);
					long before = threads.getCurrentThreadAllocatedBytes();
					long cpuBefore = threads.getCurrentThreadCpuTime();
					for (int i = 0; i < requests; i++) {
						request.run();
					}
					long cpu = threads.getCurrentThreadCpuTime() - cpuBefore;
					long own = threads.getCurrentThreadAllocatedBytes() - before;
					long all = allThreads(threads) - allBefore;
					System.out.printf("%s,%s,%d,%d,%d%n", handler, config, own / requests, all / requests,
							cpu / requests);
				}
			}
			finally {
				benchmark.stop();
			}
		}
	}

	private static long allThreads(ThreadMXBean threads) {
		long total = 0;
		for (long allocated : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
			total += Math.max(allocated, 0);
		}
		return total;
	}

}

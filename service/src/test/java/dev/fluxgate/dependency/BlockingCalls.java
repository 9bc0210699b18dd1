package dev.fluxgate.dependency;

import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.CopyOnWriteArrayList;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * BlockHound, installed once per JVM, that records blocking calls on non-blocking threads only while a test asks it
 * to: other tests in the same JVM are not affected, and a recorded call fails the test that recorded it.
 */
final class BlockingCalls {

	private static final List<String> recorded = new CopyOnWriteArrayList<>();

	private static volatile boolean recording;

	static {
		BlockHound.Builder builder = BlockHound.builder();
		// what BlockHound.install() does: Reactor's integration marks its non-blocking threads
		ServiceLoader.load(BlockHoundIntegration.class).forEach(builder::with);
		builder.blockingMethodCallback((method) -> {
			StackTraceElement[] frames = new Throwable().getStackTrace();
			if (recording && !idleWorker(frames)) {
				StringBuilder trace = new StringBuilder(method + " on " + Thread.currentThread().getName());
				for (int i = 0; i < Math.min(frames.length, 30); i++) {
					trace.append("\n\t").append(frames[i]);
				}
				recorded.add(trace.toString());
			}
		}).install();
	}

	private BlockingCalls() {
	}

	/**
	 * An idle scheduler worker waiting for its next task. Reactor's integration allows that, but a worker that was
	 * already waiting when BlockHound got installed (by a later test class in the same JVM) is not recognised.
	 */
	private static boolean idleWorker(StackTraceElement[] frames) {
		for (StackTraceElement frame : frames) {
			if (frame.getClassName().equals("java.util.concurrent.ThreadPoolExecutor")
					&& frame.getMethodName().equals("getTask")) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Run an action and return the blocking calls made on non-blocking threads meanwhile.
	 * @param action the action
	 * @return the blocking calls seen
	 */
	static List<String> during(Runnable action) {
		recorded.clear();
		recording = true;
		try {
			action.run();
		}
		finally {
			recording = false;
		}
		return List.copyOf(recorded);
	}

}

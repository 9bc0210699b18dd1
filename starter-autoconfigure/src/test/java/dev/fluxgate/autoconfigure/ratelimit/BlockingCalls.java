package dev.fluxgate.autoconfigure.ratelimit;

import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.CopyOnWriteArrayList;

import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * BlockHound, installed once per JVM, recording blocking calls on non-blocking threads only while a test asks it to,
 * so other tests in the same JVM are unaffected. If another test installed BlockHound first (throwing on blocking
 * calls), the errors it throws are recorded instead.
 */
public final class BlockingCalls {

	private static final List<String> recorded = new CopyOnWriteArrayList<>();

	private static volatile boolean recording;

	static {
		BlockHound.Builder builder = BlockHound.builder();
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

	public static List<String> during(Runnable action) {
		recorded.clear();
		recording = true;
		try {
			action.run();
		}
		catch (RuntimeException | Error ex) {
			for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
				if (cause instanceof BlockingOperationError) {
					recorded.add(cause.getMessage());
				}
			}
			if (recorded.isEmpty()) {
				throw ex;
			}
		}
		finally {
			recording = false;
		}
		return List.copyOf(recorded);
	}

}

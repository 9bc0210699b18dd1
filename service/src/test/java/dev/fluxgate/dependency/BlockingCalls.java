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
			if (recording) {
				recorded.add(method + " on " + Thread.currentThread().getName());
			}
		}).install();
	}

	private BlockingCalls() {
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

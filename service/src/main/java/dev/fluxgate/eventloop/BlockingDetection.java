package dev.fluxgate.eventloop;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingMethod;
import reactor.blockhound.BlockingOperationError;

import org.springframework.util.ClassUtils;

/**
 * Detects blocking calls on non-blocking threads with <a href="https://github.com/reactor/BlockHound">BlockHound</a>
 * when it is on the classpath. BlockHound instruments the JDK once per JVM and cannot be uninstalled, so Fluxgate
 * installs it once with a callback that follows the current {@link BlockingDetectionMode}; switching to
 * {@link BlockingDetectionMode#OFF} leaves only the instrumentation's small cost. On JDK 13+ the JVM needs
 * {@code -XX:+AllowRedefinitionToAddDeleteMethods}.
 * <p>
 * BlockHound's own integrations (Reactor, Reactor Netty, Netty, and any on the classpath) decide which threads count
 * as non-blocking and which calls are allowed.
 * <p>
 * For an application's own tests: {@link StrictBlockingDetection} fails a test class that blocks, and
 * {@link #recordDuring(Runnable)} returns the blocking calls one action made, to assert on.
 */
public final class BlockingDetection {

	/** Counter of blocking calls detected on non-blocking threads (tag {@code method}, the blocking method). */
	public static final String CALLS_METER = "fluxgate.blocking.calls";


	private static final Logger logger = LoggerFactory.getLogger(BlockingDetection.class);

	private static final String BLOCKHOUND_CLASS = "reactor.blockhound.BlockHound";

	/** Call sites already logged in WARN mode; bounded so a pathological application cannot grow it forever. */
	private static final int MAX_REPORTED_SITES = 1000;

	private static final Map<String, Boolean> reportedSites = new ConcurrentHashMap<>();

	private static final ThreadLocal<Boolean> reporting = new ThreadLocal<>();

	private static volatile BlockingDetectionMode mode = BlockingDetectionMode.OFF;

	private static volatile @Nullable MeterRegistry meterRegistry;

	/** Where {@link #recordDuring(Runnable)} collects calls while it runs; {@code null} otherwise. */
	private static volatile @Nullable List<String> recorder;

	private static final int MAX_RECORDED_FRAMES = 30;

	private static boolean installed;

	private BlockingDetection() {
	}

	/**
	 * Whether BlockHound is on the classpath.
	 * @return {@code true} if detection can work
	 */
	public static boolean isAvailable() {
		return ClassUtils.isPresent(BLOCKHOUND_CLASS, BlockingDetection.class.getClassLoader());
	}

	/**
	 * Switch detection to a mode, installing BlockHound the first time a mode other than {@code OFF} is asked for.
	 * @param newMode the mode
	 * @param registry where WARN mode counts blocking calls; without one the current one is kept
	 * @return the mode in force before
	 * @throws IllegalStateException when a mode other than {@code OFF} is asked for and BlockHound is absent
	 */
	public static synchronized BlockingDetectionMode apply(BlockingDetectionMode newMode, @Nullable MeterRegistry registry) {
		BlockingDetectionMode previous = mode;
		if (newMode != BlockingDetectionMode.OFF) {
			install("Blocking detection mode " + newMode);
		}
		if (registry != null) {
			meterRegistry = registry;
		}
		mode = newMode;
		return previous;
	}

	/** Called with the class's lock held. */
	private static void install(String purpose) {
		if (installed) {
			return;
		}
		if (!isAvailable()) {
			throw new IllegalStateException(purpose + " needs io.projectreactor.tools:blockhound on the classpath");
		}
		BlockHoundInstaller.install();
		installed = true;
	}

	/**
	 * Run an action and return the blocking calls made on non-blocking threads meanwhile, each with its thread and
	 * stack: what an application's test asserts is empty ("this path never blocks an event loop"). The calls are
	 * allowed to run, whatever the mode, and are neither logged nor counted; calls from other work running in the
	 * JVM at the same time are recorded too. Installs BlockHound the first time (it must be on the classpath; on JDK
	 * 13+ with {@code -XX:+AllowRedefinitionToAddDeleteMethods}). One recording at a time.
	 * @param action the action
	 * @return the blocking calls seen, in order
	 * @throws IllegalStateException when BlockHound is absent, or another recording is under way
	 */
	public static List<String> recordDuring(Runnable action) {
		List<String> calls = new CopyOnWriteArrayList<>();
		synchronized (BlockingDetection.class) {
			install("Recording blocking calls");
			if (recorder != null) {
				throw new IllegalStateException("Another action is recording blocking calls");
			}
			recorder = calls;
		}
		try {
			action.run();
		}
		finally {
			recorder = null;
		}
		return List.copyOf(calls);
	}

	/**
	 * The mode in force.
	 * @return the mode
	 */
	public static BlockingDetectionMode mode() {
		return mode;
	}

	static void onBlockingCall(BlockingMethod method) {
		List<String> calls = recorder;
		if (calls != null) {
			if (!isIdleWorkerWait()) {
				calls.add(describe(method));
			}
			return;
		}
		BlockingDetectionMode current = mode;
		if (current == BlockingDetectionMode.OFF || isIdleWorkerWait()) {
			return;
		}
		if (current == BlockingDetectionMode.STRICT) {
			throw new BlockingOperationError(method);
		}
		if (current == BlockingDetectionMode.WARN && reporting.get() == null) {
			// Logging and meters may themselves block; never report from inside a report.
			reporting.set(Boolean.TRUE);
			try {
				report(method);
			}
			finally {
				reporting.remove();
			}
		}
	}

	/**
	 * A pool thread waiting for its next task. BlockHound allows these waits, but only for waits that began after it
	 * was installed: threads already idle when detection is switched on (Reactor's {@code parallel} workers) would be
	 * reported, and in strict mode killed, on their next wake-up.
	 */
	private static boolean isIdleWorkerWait() {
		for (StackTraceElement frame : Thread.currentThread().getStackTrace()) {
			String type = frame.getClassName();
			String method = frame.getMethodName();
			if ((type.equals("java.util.concurrent.ThreadPoolExecutor") && method.equals("getTask"))
					|| (type.equals("java.util.concurrent.ForkJoinPool") && method.equals("awaitWork"))) {
				return true;
			}
		}
		return false;
	}

	private static String describe(BlockingMethod method) {
		StackTraceElement[] frames = new Throwable().getStackTrace();
		StringBuilder call = new StringBuilder(method + " on " + Thread.currentThread().getName());
		for (int i = 0; i < Math.min(frames.length, MAX_RECORDED_FRAMES); i++) {
			call.append("\n\t").append(frames[i]);
		}
		return call.toString();
	}

	private static void report(BlockingMethod method) {
		String blockingMethod = method.getClassName() + "." + method.getName();
		MeterRegistry registry = meterRegistry;
		if (registry != null) {
			registry.counter(CALLS_METER, "method", blockingMethod).increment();
		}
		BlockingOperationError error = new BlockingOperationError(method);
		String site = callSite(error.getStackTrace());
		if (reportedSites.size() < MAX_REPORTED_SITES && reportedSites.putIfAbsent(site, Boolean.TRUE) == null) {
			logger.warn("Blocking call {} on non-blocking thread {} at {}; it stalls every connection on this "
					+ "thread. Reported once per call site.", blockingMethod, Thread.currentThread().getName(), site,
					error);
		}
	}

	/** The first frame outside the JDK, BlockHound and this class: the code that made the blocking call. */
	static String callSite(StackTraceElement[] stack) {
		for (StackTraceElement frame : stack) {
			String type = frame.getClassName();
			if (!type.startsWith("java.") && !type.startsWith("jdk.") && !type.startsWith("sun.")
					&& !type.startsWith("reactor.blockhound.") && !type.startsWith(BlockingDetection.class.getName())) {
				return frame.toString();
			}
		}
		return (stack.length > 0) ? stack[stack.length - 1].toString() : "unknown";
	}

	/** Kept apart so BlockHound's classes load only when detection is switched on. */
	private static final class BlockHoundInstaller {

		static void install() {
			BlockHound.install((builder) -> builder.blockingMethodCallback(BlockingDetection::onBlockingCall));
		}

	}

}

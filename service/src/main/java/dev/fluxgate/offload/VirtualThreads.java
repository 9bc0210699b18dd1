package dev.fluxgate.offload;

import java.lang.reflect.Method;
import java.util.concurrent.ThreadFactory;

/**
 * Virtual threads, reached reflectively: Fluxgate compiles for Java 17 and uses them only on Java 21+.
 */
public final class VirtualThreads {

	private VirtualThreads() {
	}

	/**
	 * Whether this JVM has virtual threads.
	 * @return {@code true} on Java 21+
	 */
	public static boolean available() {
		return Runtime.version().feature() >= 21;
	}

	/**
	 * A factory of virtual threads named {@code prefix0}, {@code prefix1}, ...
	 * @param prefix the name prefix
	 * @return the factory
	 * @throws IllegalStateException before Java 21
	 */
	static ThreadFactory factory(String prefix) {
		if (!available()) {
			throw new IllegalStateException("Virtual threads need Java 21 or later; this is Java "
					+ Runtime.version().feature());
		}
		try {
			Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
			Class<?> builderType = Class.forName("java.lang.Thread$Builder");
			Method name = builderType.getMethod("name", String.class, long.class);
			builder = name.invoke(builder, prefix, 0L);
			return (ThreadFactory) builderType.getMethod("factory").invoke(builder);
		}
		catch (ReflectiveOperationException ex) {
			throw new IllegalStateException("Could not create a virtual thread factory", ex);
		}
	}

}

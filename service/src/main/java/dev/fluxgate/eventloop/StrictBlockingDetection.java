package dev.fluxgate.eventloop;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension that fails any test whose code blocks an event loop or another non-blocking thread:
 * <pre class="code">
 * &#64;ExtendWith(StrictBlockingDetection.class)
 * class OrderApiTests { ... }
 * </pre>
 * Needs {@code io.projectreactor.tools:blockhound} on the test classpath and, on JDK 13+, the JVM flag
 * {@code -XX:+AllowRedefinitionToAddDeleteMethods} (Surefire's {@code argLine}). The mode in force before the class
 * is restored after it.
 */
public final class StrictBlockingDetection implements BeforeAllCallback, AfterAllCallback {

	private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace
		.create(StrictBlockingDetection.class);

	@Override
	public void beforeAll(ExtensionContext context) {
		BlockingDetectionMode previous = BlockingDetection.apply(BlockingDetectionMode.STRICT, null);
		context.getStore(NAMESPACE).put("previous", previous);
	}

	@Override
	public void afterAll(ExtensionContext context) {
		BlockingDetectionMode previous = context.getStore(NAMESPACE)
			.getOrDefault("previous", BlockingDetectionMode.class, BlockingDetectionMode.OFF);
		BlockingDetection.apply(previous, null);
	}

}

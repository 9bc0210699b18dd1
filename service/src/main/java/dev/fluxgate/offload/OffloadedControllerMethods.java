package dev.fluxgate.offload;

import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

import org.springframework.core.KotlinDetector;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.web.method.HandlerMethod;

/**
 * Which controller methods run on the blocking executor: those whose return type is not reactive (Spring's own rule),
 * unless the method or its class is annotated {@link StayOnEventLoop} or named in the exclusions, as
 * {@code com.example.HealthController} (every method) or {@code com.example.HealthController#ping}.
 */
public final class OffloadedControllerMethods implements Predicate<HandlerMethod> {

	private final ReactiveAdapterRegistry adapters = ReactiveAdapterRegistry.getSharedInstance();

	private final Set<String> excluded;

	/**
	 * A predicate.
	 * @param excluded class names or {@code Class#method} names that stay on the event loop
	 */
	public OffloadedControllerMethods(List<String> excluded) {
		this.excluded = Set.copyOf(excluded);
	}

	@Override
	public boolean test(HandlerMethod handlerMethod) {
		if (this.adapters.getAdapter(handlerMethod.getReturnType().getParameterType()) != null
				|| KotlinDetector.isSuspendingFunction(handlerMethod.getMethod())) {
			return false;
		}
		Class<?> type = handlerMethod.getBeanType();
		if (AnnotatedElementUtils.hasAnnotation(handlerMethod.getMethod(), StayOnEventLoop.class)
				|| AnnotatedElementUtils.hasAnnotation(type, StayOnEventLoop.class)) {
			return false;
		}
		return !this.excluded.contains(type.getName())
				&& !this.excluded.contains(type.getName() + "#" + handlerMethod.getMethod().getName());
	}

}

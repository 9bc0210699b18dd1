package dev.fluxgate.offload;

import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

import org.springframework.core.KotlinDetector;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.http.HttpEntity;
import org.springframework.web.method.HandlerMethod;

/**
 * Which controller methods run on the blocking executor: those that return a value WebFlux writes as it is, so their
 * body does the work itself, imperatively. A method stays on the event loop when its declared return type (generics
 * resolved against the controller class) is one WebFlux subscribes to, as its result handlers read it:
 * <ul>
 * <li>a type of the {@link ReactiveAdapterRegistry} ({@code Mono}, {@code Flux}, {@code Publisher},
 * {@code CompletableFuture}, Kotlin {@code Flow}, ...), or a Kotlin {@code suspend} function: Spring's own rule;</li>
 * <li>an {@link HttpEntity} ({@code ResponseEntity}) whose body is such a type, as {@code ResponseEntity<Mono<T>>}:
 * the entity only wraps the pipeline the method assembled, and the body is subscribed to later.</li>
 * </ul>
 * A method or controller annotated {@link StayOnEventLoop}, or named in the exclusions (as
 * {@code com.example.HealthController} for every method or {@code com.example.HealthController#ping}), stays on the
 * event loop too. A body that the declared type does not show ({@code ResponseEntity<?>}, {@code Object}) is
 * offloaded: running a reactive method on the executor costs a thread hop, running a blocking one on the loop stalls
 * every connection that shares it.
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
		if (returnsReactively(handlerMethod)) {
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

	private boolean returnsReactively(HandlerMethod handlerMethod) {
		if (KotlinDetector.isSuspendingFunction(handlerMethod.getMethod())) {
			return true;
		}
		ResolvableType returnType = ResolvableType.forMethodParameter(handlerMethod.getReturnType());
		if (isReactive(returnType.resolve())) {
			return true;
		}
		ResolvableType entity = returnType.as(HttpEntity.class);
		return entity != ResolvableType.NONE && isReactive(entity.getGeneric(0).resolve());
	}

	private boolean isReactive(Class<?> type) {
		return type != null && this.adapters.getAdapter(type) != null;
	}

}

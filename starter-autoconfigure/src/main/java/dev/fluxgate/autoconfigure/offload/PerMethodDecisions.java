package dev.fluxgate.autoconfigure.offload;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;
import org.springframework.web.method.HandlerMethod;

/**
 * Remembers a controller-method predicate's answer per method. WebFlux asks the blocking-execution predicate for
 * every request (to pick the scheduler), while the answer depends only on the controller class and the method:
 * without this, each request of a reactive handler resolves its return type's generics again (about 4.7 KB of
 * allocation per request, the largest part of Fluxgate's cost on a reactive handler). Two lookups in maps keyed by
 * the class and the method, so a lookup allocates nothing; a map entry per controller method.
 */
final class PerMethodDecisions implements Predicate<HandlerMethod> {

	private final Predicate<HandlerMethod> decision;

	private final Map<Class<?>, Map<Method, Boolean>> decided = new ConcurrentHashMap<>();

	PerMethodDecisions(Predicate<HandlerMethod> decision) {
		this.decision = decision;
	}

	@Override
	public boolean test(HandlerMethod handlerMethod) {
		@Nullable Map<Method, Boolean> methods = this.decided.get(handlerMethod.getBeanType());
		if (methods == null) {
			methods = this.decided.computeIfAbsent(handlerMethod.getBeanType(), (type) -> new ConcurrentHashMap<>());
		}
		@Nullable Boolean known = methods.get(handlerMethod.getMethod());
		if (known == null) {
			known = this.decision.test(handlerMethod);
			methods.put(handlerMethod.getMethod(), known);
		}
		return known;
	}

}

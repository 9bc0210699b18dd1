package dev.fluxgate.offload;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.Supplier;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.reactive.DispatchExceptionHandler;
import org.springframework.web.reactive.HandlerAdapter;
import org.springframework.web.reactive.HandlerResult;
import org.springframework.web.server.ServerWebExchange;

/**
 * Gives each offloaded controller method its {@link MethodShares share} of the blocking executor: placed before
 * WebFlux's {@code RequestMappingHandlerAdapter}, it takes the controller methods that run on the executor, holds a
 * share of their method for the whole invocation (the wait for a thread and the run), and hands them to that adapter.
 * Every other handler goes to the adapters behind it unchanged. As the first adapter, WebFlux also asks it to map
 * errors to responses; it hands them to the delegate, so {@code @ControllerAdvice} handlers keep working.
 */
public final class OffloadedMethodsHandlerAdapter implements HandlerAdapter, DispatchExceptionHandler, Ordered {

	private final Supplier<? extends HandlerAdapter> delegate;

	private final Predicate<HandlerMethod> offloaded;

	private final MethodShares shares;

	/**
	 * The predicate's answer per method declared by its controller: it resolves generics, too slow for every
	 * request. Keyed by the method alone, so a request allocates nothing to look it up.
	 */
	private final Map<Method, Boolean> decisions = new ConcurrentHashMap<>();

	/** The same for a method a controller inherits: its generics resolve against each controller class. */
	private final Map<Key, Boolean> inheritedDecisions = new ConcurrentHashMap<>();

	/**
	 * An adapter.
	 * @param delegate WebFlux's adapter for controller methods (looked up when first needed)
	 * @param offloaded which controller methods run on the executor
	 * @param shares the shares of the executor
	 */
	public OffloadedMethodsHandlerAdapter(Supplier<? extends HandlerAdapter> delegate,
			Predicate<HandlerMethod> offloaded, MethodShares shares) {
		this.delegate = delegate;
		this.offloaded = offloaded;
		this.shares = shares;
	}

	@Override
	public boolean supports(Object handler) {
		return handler instanceof HandlerMethod method && isOffloaded(method) && this.delegate.get().supports(handler);
	}

	private boolean isOffloaded(HandlerMethod method) {
		if (method.getMethod().getDeclaringClass() == method.getBeanType()) {
			return this.decisions.computeIfAbsent(method.getMethod(), (key) -> this.offloaded.test(method));
		}
		return this.inheritedDecisions.computeIfAbsent(new Key(method.getBeanType(), method.getMethod()),
				(key) -> this.offloaded.test(method));
	}

	@Override
	public Mono<HandlerResult> handle(ServerWebExchange exchange, Object handler) {
		Method method = ((HandlerMethod) handler).getMethod();
		return this.shares.guard(method, Mono.defer(() -> this.delegate.get().handle(exchange, handler)));
	}

	@Override
	public Mono<HandlerResult> handleError(ServerWebExchange exchange, Throwable ex) {
		if (this.delegate.get() instanceof DispatchExceptionHandler handler) {
			return handler.handleError(exchange, ex);
		}
		return Mono.error(ex);
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

	private record Key(Class<?> type, Method method) {
	}

}

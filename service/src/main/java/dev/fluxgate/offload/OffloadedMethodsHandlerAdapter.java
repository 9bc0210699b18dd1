package dev.fluxgate.offload;

import java.lang.reflect.Method;
import java.util.function.Predicate;
import java.util.function.Supplier;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.reactive.HandlerAdapter;
import org.springframework.web.reactive.HandlerResult;
import org.springframework.web.server.ServerWebExchange;

/**
 * Gives each offloaded controller method its {@link MethodShares share} of the blocking executor: placed before
 * WebFlux's {@code RequestMappingHandlerAdapter}, it takes the controller methods that run on the executor, holds a
 * share of their method for the whole invocation (the wait for a thread and the run), and hands them to that adapter.
 * Every other handler goes to the adapters behind it unchanged.
 * <p>
 * Not a {@code DispatchExceptionHandler}: WebFlux adds an error handler per such adapter to every request, and the
 * delegate, an adapter of its own, already maps errors to responses ({@code @ControllerAdvice} included).
 */
public final class OffloadedMethodsHandlerAdapter implements HandlerAdapter, Ordered {

	private final Supplier<? extends HandlerAdapter> delegate;

	private final Predicate<HandlerMethod> offloaded;

	private final MethodShares shares;

	/**
	 * An adapter.
	 * @param delegate WebFlux's adapter for controller methods (looked up when first needed)
	 * @param offloaded which controller methods run on the executor, asked for every request (so it should remember
	 * its answer per method)
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
		return handler instanceof HandlerMethod method && this.offloaded.test(method)
				&& this.delegate.get().supports(handler);
	}

	@Override
	public Mono<HandlerResult> handle(ServerWebExchange exchange, Object handler) {
		Method method = ((HandlerMethod) handler).getMethod();
		return this.shares.guard(method, Mono.defer(() -> this.delegate.get().handle(exchange, handler)));
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}

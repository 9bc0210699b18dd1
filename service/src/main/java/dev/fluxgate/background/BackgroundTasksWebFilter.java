package dev.fluxgate.background;

import dev.fluxgate.server.ServerFilterOrder;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Starts the tasks registered with {@link BackgroundTasks#afterResponse} once the exchange is complete, whatever its
 * outcome (the tasks' slots were taken when they were registered, so they run or are reported, never lost).
 */
public final class BackgroundTasksWebFilter implements WebFilter, Ordered {

	private final BackgroundTasks tasks;

	public BackgroundTasksWebFilter(BackgroundTasks tasks) {
		this.tasks = tasks;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		return chain.filter(exchange).doFinally((signal) -> this.tasks.runAfterResponse(exchange));
	}

	@Override
	public int getOrder() {
		return ServerFilterOrder.BACKGROUND;
	}

	/**
	 * Spring's filter chain names each request's checkpoint after the filter's {@code toString()}: the class name,
	 * which the JVM keeps, costs nothing per request, where {@code Object.toString()} builds a new string each time.
	 */
	@Override
	public String toString() {
		return getClass().getName();
	}

}

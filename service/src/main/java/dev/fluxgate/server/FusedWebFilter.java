package dev.fluxgate.server;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import reactor.core.Exceptions;
import reactor.core.publisher.Mono;

import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Adjacent filters of Spring's chain run as one {@link WebFilter}: the same filters, in the same order, each passing
 * the exchange on to the next, but without the per-filter wrapping of Spring's chain. Spring Framework 7's chain
 * defers each filter ({@code Mono.defer}) and marks it with a checkpoint named after it, two operators and their
 * subscribers per filter on every request; for Fluxgate's edge guards, which run on every request, that was a
 * measurable share of their cost. The fused filter keeps one of each (Spring wraps it like any filter). A filter
 * that throws instead of returning an error is still an error signal, seen by the filters outside it.
 */
public final class FusedWebFilter implements WebFilter {

	private final WebFilter[] filters;

	private final String description;

	private FusedWebFilter(List<WebFilter> filters) {
		this.filters = filters.toArray(WebFilter[]::new);
		this.description = getClass().getName() + filters.stream().map(Object::toString).toList();
	}

	/**
	 * Replace, in a chain's ordered filters, every run of two or more adjacent filters that may be fused with one
	 * {@code FusedWebFilter} of that run. Filters that may not be fused, and a lone one that may, stay as they are.
	 * @param chain the chain's filters, in order; changed in place
	 * @param fusible which filters may be fused
	 */
	public static void fuse(List<WebFilter> chain, Predicate<WebFilter> fusible) {
		List<WebFilter> result = new ArrayList<>(chain.size());
		List<WebFilter> run = new ArrayList<>();
		for (WebFilter filter : chain) {
			if (fusible.test(filter)) {
				run.add(filter);
			}
			else {
				flush(run, result);
				result.add(filter);
			}
		}
		flush(run, result);
		chain.clear();
		chain.addAll(result);
	}

	private static void flush(List<WebFilter> run, List<WebFilter> result) {
		if (run.size() > 1) {
			result.add(new FusedWebFilter(run));
		}
		else {
			result.addAll(run);
		}
		run.clear();
	}

	/**
	 * The fused filters, in order.
	 * @return the filters
	 */
	public List<WebFilter> filters() {
		return List.of(this.filters);
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		return invoke(0, exchange, chain);
	}

	private Mono<Void> invoke(int index, ServerWebExchange exchange, WebFilterChain last) {
		WebFilterChain next = (index + 1 < this.filters.length) ? new Next(index + 1, last) : last;
		try {
			return this.filters[index].filter(exchange, next);
		}
		catch (Throwable ex) {
			// what Spring's Mono.defer per filter did: a throwing filter fails the request through the normal path
			Exceptions.throwIfJvmFatal(ex);
			return Mono.error(ex);
		}
	}

	/** Named after the filters it runs: Spring's chain uses it as the checkpoint of this filter. */
	@Override
	public String toString() {
		return this.description;
	}

	/** The rest of the fused filters, then the rest of Spring's chain. */
	private final class Next implements WebFilterChain {

		private final int index;

		private final WebFilterChain last;

		Next(int index, WebFilterChain last) {
			this.index = index;
			this.last = last;
		}

		@Override
		public Mono<Void> filter(ServerWebExchange exchange) {
			return invoke(this.index, exchange, this.last);
		}

	}

}

package dev.fluxgate.autoconfigure;

import java.util.List;

import dev.fluxgate.autoconfigure.background.FluxgateBackgroundAutoConfiguration;
import dev.fluxgate.autoconfigure.offload.FluxgateOffloadAutoConfiguration;
import dev.fluxgate.autoconfigure.server.FluxgateServerAutoConfiguration;
import dev.fluxgate.background.BackgroundTasksWebFilter;
import dev.fluxgate.deadline.RequestDeadlineWebFilter;
import dev.fluxgate.offload.OffloadWebFilter;
import dev.fluxgate.server.FusedWebFilter;
import dev.fluxgate.server.LoadSheddingWebFilter;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableReactiveWebApplicationContext;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.webflux.autoconfigure.HttpHandlerAutoConfiguration;
import org.springframework.boot.webflux.autoconfigure.WebFluxAutoConfiguration;
import org.springframework.core.Ordered;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import org.springframework.web.server.WebHandler;
import org.springframework.web.server.handler.FilteringWebHandler;
import org.springframework.web.server.handler.WebHandlerDecorator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fluxgate's adjacent edge filters reach Spring's chain as one filter, in their order; a filter of the application's
 * between them splits the run.
 */
class EdgeFiltersTests {

	private final ReactiveWebApplicationContextRunner runner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(WebFluxAutoConfiguration.class, HttpHandlerAutoConfiguration.class,
				FluxgateAutoConfiguration.class, FluxgateServerAutoConfiguration.class,
				FluxgateOffloadAutoConfiguration.class, FluxgateBackgroundAutoConfiguration.class));

	@Test
	void fluxgatesEdgeFiltersRunAsOneFilterInTheirOrder() {
		this.runner.run((context) -> {
			List<WebFilter> chain = chain(context);
			assertThat(chain).hasSize(1).first().isInstanceOf(FusedWebFilter.class);
			assertThat(((FusedWebFilter) chain.get(0)).filters()).containsExactly(
					context.getBean(OffloadWebFilter.class), context.getBean(BackgroundTasksWebFilter.class),
					context.getBean(RequestDeadlineWebFilter.class), context.getBean(LoadSheddingWebFilter.class));
		});
	}

	@Test
	void anApplicationFilterBetweenThemSplitsTheRun() {
		WebFilter passing = (exchange, chain) -> chain.filter(exchange);
		// between the background filter (HIGHEST_PRECEDENCE + 10) and the deadline filter (+ 100)
		this.runner.withBean("between", WebFilter.class, () -> new OrderedFilter(passing, Ordered.HIGHEST_PRECEDENCE + 50))
			.run((context) -> {
				List<WebFilter> chain = chain(context);
				assertThat(chain).hasSize(3);
				assertThat(((FusedWebFilter) chain.get(0)).filters()).containsExactly(
						context.getBean(OffloadWebFilter.class), context.getBean(BackgroundTasksWebFilter.class));
				assertThat(chain.get(1)).isInstanceOf(OrderedFilter.class);
				assertThat(((FusedWebFilter) chain.get(2)).filters()).containsExactly(
						context.getBean(RequestDeadlineWebFilter.class), context.getBean(LoadSheddingWebFilter.class));
			});
	}

	private static List<WebFilter> chain(AssertableReactiveWebApplicationContext context) {
		assertThat(context).hasNotFailed();
		WebHandler handler = (WebHandler) context.getBean(HttpHandler.class);
		while (handler instanceof WebHandlerDecorator decorator && !(handler instanceof FilteringWebHandler)) {
			handler = decorator.getDelegate();
		}
		return ((FilteringWebHandler) handler).getFilters();
	}

	private record OrderedFilter(WebFilter delegate, int order) implements WebFilter, Ordered {

		@Override
		public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
			return this.delegate.filter(exchange, chain);
		}

		@Override
		public int getOrder() {
			return this.order;
		}

	}

}

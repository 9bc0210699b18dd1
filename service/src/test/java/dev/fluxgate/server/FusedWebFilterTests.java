package dev.fluxgate.server;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import org.springframework.web.server.handler.DefaultWebFilterChain;

import static org.assertj.core.api.Assertions.assertThat;

class FusedWebFilterTests {

	private final List<String> calls = new ArrayList<>();

	@Test
	void fusesOnlyRunsOfTwoOrMoreAdjacentFusibleFilters() {
		WebFilter a = new Recording("a");
		WebFilter b = new Recording("b");
		WebFilter foreign = new Recording("foreign");
		WebFilter c = new Recording("c");
		WebFilter d = new Recording("d");
		WebFilter e = new Recording("e");
		List<WebFilter> chain = new ArrayList<>(List.of(a, b, foreign, c, d, e));
		FusedWebFilter.fuse(chain, (filter) -> filter != foreign && filter != c);
		assertThat(chain).hasSize(4);
		assertThat(((FusedWebFilter) chain.get(0)).filters()).containsExactly(a, b);
		assertThat(chain.get(1)).isSameAs(foreign);
		assertThat(chain.get(2)).isSameAs(c);
		assertThat(((FusedWebFilter) chain.get(3)).filters()).containsExactly(d, e);
		assertThat(chain.get(0)).hasToString(FusedWebFilter.class.getName() + "[a, b]");
	}

	@Test
	void aLoneFusibleFilterStaysAsItIs() {
		WebFilter a = new Recording("a");
		List<WebFilter> chain = new ArrayList<>(List.of(a));
		FusedWebFilter.fuse(chain, (filter) -> true);
		assertThat(chain).containsExactly(a);
	}

	@Test
	void runsTheFiltersInOrderAndThenTheRestOfTheChain() {
		List<WebFilter> chain = new ArrayList<>(List.of(new Recording("a"), new Recording("b"), new Recording("c")));
		FusedWebFilter.fuse(chain, (filter) -> true);
		StepVerifier.create(handle(chain)).verifyComplete();
		assertThat(this.calls).containsExactly("a", "b", "c", "handler", "c done", "b done", "a done");
	}

	@Test
	void aFilterThatAnswersItselfEndsTheChain() {
		WebFilter answering = (exchange, chain) -> {
			this.calls.add("answering");
			return Mono.empty();
		};
		List<WebFilter> chain = new ArrayList<>(List.of(new Recording("a"), answering, new Recording("c")));
		FusedWebFilter.fuse(chain, (filter) -> true);
		StepVerifier.create(handle(chain)).verifyComplete();
		assertThat(this.calls).containsExactly("a", "answering", "a done");
	}

	@Test
	void aThrowingFilterIsAnErrorSignalThatOuterFiltersSee() {
		WebFilter throwing = (exchange, chain) -> {
			throw new IllegalStateException("boom");
		};
		List<WebFilter> chain = new ArrayList<>(List.of(new Recording("a"), throwing));
		FusedWebFilter.fuse(chain, (filter) -> true);
		StepVerifier.create(handle(chain)).verifyErrorMessage("boom");
		assertThat(this.calls).containsExactly("a", "a failed");
	}

	private Mono<Void> handle(List<WebFilter> filters) {
		ServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/"));
		WebFilterChain chain = new DefaultWebFilterChain((ex) -> Mono.fromRunnable(() -> this.calls.add("handler")),
				filters);
		return chain.filter(exchange);
	}

	private final class Recording implements WebFilter {

		private final String name;

		Recording(String name) {
			this.name = name;
		}

		@Override
		public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
			FusedWebFilterTests.this.calls.add(this.name);
			return chain.filter(exchange)
				.doOnSuccess((done) -> FusedWebFilterTests.this.calls.add(this.name + " done"))
				.doOnError((ex) -> FusedWebFilterTests.this.calls.add(this.name + " failed"));
		}

		@Override
		public String toString() {
			return this.name;
		}

	}

}

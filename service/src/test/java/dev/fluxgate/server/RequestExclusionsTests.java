package dev.fluxgate.server;

import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.http.HttpHeaders;
import org.springframework.http.server.PathContainer;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.util.pattern.PathPatternParser;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The string shortcut before {@code PathPattern} matching never changes a decision; streams are always excluded.
 */
class RequestExclusionsTests {

	private final RequestExclusions exclusions = new RequestExclusions(
			List.of("/actuator/**", "/livez", "/api/{id}/export", "/static/*.css"));

	@Test
	void excludesWhatThePatternsMatchAndNothingElse() {
		assertThat(excludes("/actuator")).isTrue();
		assertThat(excludes("/actuator/health")).isTrue();
		assertThat(excludes("/actuator/health/readiness")).isTrue();
		assertThat(excludes("/livez")).isTrue();
		assertThat(excludes("/api/42/export")).isTrue();
		assertThat(excludes("/static/site.css")).isTrue();
		assertThat(excludes("/actuatorx")).isFalse();
		assertThat(excludes("/mono")).isFalse();
		assertThat(excludes("/livez/more")).isFalse();
		assertThat(excludes("/api/42/other")).isFalse();
	}

	@Test
	void theShortcutNeverChangesWhatPathPatternDecides() {
		List<String> patterns = List.of("/actuator/**", "/livez", "/api/{id}/export", "/static/*.css");
		for (String path : List.of("/actuator", "/actuator/", "/actuator/health", "/actu%61tor/health",
				"/actuator;v=1/health", "/liv%65z", "/livez;a=b", "/api/42/export", "/api;x=y/42/export",
				"/static/a.css", "/stat%69c/a.css", "/mono", "/", "//actuator/health", "/livez/")) {
			MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get(path));
			PathContainer container = exchange.getRequest().getPath().pathWithinApplication();
			boolean expected = patterns.stream()
				.map(PathPatternParser.defaultInstance::parse)
				.anyMatch((pattern) -> pattern.matches(container));
			assertThat(this.exclusions.excludes(exchange)).as(path).isEqualTo(expected);
		}
	}

	@Test
	void literalPrefixStopsAtTheFirstWildcardOrVariable() {
		assertThat(RequestExclusions.literalPrefix("/actuator/**")).isEqualTo("/actuator");
		assertThat(RequestExclusions.literalPrefix("/livez")).isEqualTo("/livez");
		assertThat(RequestExclusions.literalPrefix("/api/{id}/export")).isEqualTo("/api");
		assertThat(RequestExclusions.literalPrefix("/static/*.css")).isEqualTo("/static");
		assertThat(RequestExclusions.literalPrefix("/**")).isEmpty();
	}

	@Test
	void streamsAreExcluded() {
		MockServerWebExchange stream = MockServerWebExchange
			.from(MockServerHttpRequest.get("/events").header(HttpHeaders.ACCEPT, "text/event-stream"));
		assertThat(this.exclusions.excludes(stream)).isTrue();
		assertThat(new RequestExclusions(List.of()).excludes(stream)).isTrue();
		MockServerWebExchange upgrade = MockServerWebExchange
			.from(MockServerHttpRequest.get("/ws").header(HttpHeaders.UPGRADE, "WebSocket"));
		assertThat(this.exclusions.excludes(upgrade)).isTrue();
		MockServerWebExchange plain = MockServerWebExchange.from(MockServerHttpRequest.get("/mono"));
		assertThat(this.exclusions.excludes(plain)).isFalse();
		assertThat(new RequestExclusions(List.of()).excludes(plain)).isFalse();
	}

	private boolean excludes(String path) {
		return this.exclusions.excludes(MockServerWebExchange.from(MockServerHttpRequest.get(path)));
	}

}

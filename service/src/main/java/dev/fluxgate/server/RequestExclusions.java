package dev.fluxgate.server;

import java.util.List;
import java.util.Locale;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * Requests a server guard leaves alone: paths matching configured patterns (actuator, probes, user exclusions) and
 * long-lived streams (WebSocket upgrades, server-sent events, NDJSON streams), whose duration says nothing about
 * the server's health and which would otherwise hold a permit or be cut off by a deadline meant for
 * request/response exchanges.
 * <p>
 * Cheap for the common request, which is excluded by nothing: a path that cannot match a pattern's literal start is
 * rejected with a string comparison (no {@code PathPattern} matching context per pattern). Whether the request is a
 * stream is not cached in an exchange attribute: one more attribute can make the exchange's attribute map resize,
 * which allocates more than the header lookups it would save.
 */
public final class RequestExclusions {

	private final List<PathPattern> patterns;

	/** Per pattern: the literal text every matching path starts with, up to its first wildcard or variable. */
	private final String[] prefixes;

	/**
	 * Exclusions by path pattern; streams are always excluded.
	 * @param pathPatterns the patterns ({@code PathPattern} syntax)
	 */
	public RequestExclusions(List<String> pathPatterns) {
		PathPatternParser parser = PathPatternParser.defaultInstance;
		this.patterns = pathPatterns.stream().map(parser::parse).toList();
		this.prefixes = this.patterns.stream().map((pattern) -> literalPrefix(pattern.getPatternString()))
			.toArray(String[]::new);
	}

	/**
	 * The literal start of a pattern, without the slash before a wildcard ({@code /actuator/**} matches
	 * {@code /actuator}).
	 */
	static String literalPrefix(String pattern) {
		int end = pattern.length();
		for (int i = 0; i < pattern.length(); i++) {
			char c = pattern.charAt(i);
			if (c == '*' || c == '?' || c == '{') {
				end = i;
				break;
			}
		}
		String prefix = pattern.substring(0, end);
		return (end < pattern.length() && prefix.endsWith("/")) ? prefix.substring(0, prefix.length() - 1) : prefix;
	}

	/**
	 * Whether a guard leaves this exchange alone.
	 * @param exchange the exchange
	 * @return {@code true} for an excluded path or a long-lived stream
	 */
	public boolean excludes(ServerWebExchange exchange) {
		ServerHttpRequest request = exchange.getRequest();
		return excludesPath(request) || isStream(request);
	}

	boolean excludesPath(ServerHttpRequest request) {
		if (this.patterns.isEmpty()) {
			return false;
		}
		PathContainer path = request.getPath().pathWithinApplication();
		String raw = path.value();
		// Encoded characters and matrix variables are matched after decoding and stripping: only PathPattern knows.
		boolean plain = raw.indexOf('%') < 0 && raw.indexOf(';') < 0;
		for (int i = 0; i < this.prefixes.length; i++) {
			if (plain && !raw.startsWith(this.prefixes[i])) {
				continue;
			}
			if (this.patterns.get(i).matches(path)) {
				return true;
			}
		}
		return false;
	}

	static boolean isStream(ServerHttpRequest request) {
		HttpHeaders headers = request.getHeaders();
		String upgrade = headers.getFirst(HttpHeaders.UPGRADE);
		if (upgrade != null && upgrade.toLowerCase(Locale.ROOT).contains("websocket")) {
			return true;
		}
		// The raw header, not getAccept(): a malformed Accept header must not turn into an error here.
		for (String accept : headers.getOrEmpty(HttpHeaders.ACCEPT)) {
			String lower = accept.toLowerCase(Locale.ROOT);
			if (lower.contains(MediaType.TEXT_EVENT_STREAM_VALUE) || lower.contains(MediaType.APPLICATION_NDJSON_VALUE)) {
				return true;
			}
		}
		return false;
	}

}

package dev.fluxgate.server;

import java.util.List;
import java.util.Locale;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * Requests a server guard leaves alone: paths matching configured patterns (actuator, probes, user exclusions) and
 * long-lived streams (WebSocket upgrades, server-sent events, NDJSON streams), whose duration says nothing about
 * the server's health and which would otherwise hold a permit or be cut off by a deadline meant for
 * request/response exchanges.
 */
final class RequestExclusions {

	private final List<PathPattern> patterns;

	RequestExclusions(List<String> pathPatterns) {
		PathPatternParser parser = PathPatternParser.defaultInstance;
		this.patterns = pathPatterns.stream().map(parser::parse).toList();
	}

	boolean excludes(ServerHttpRequest request) {
		return excludesPath(request) || isStream(request);
	}

	boolean excludesPath(ServerHttpRequest request) {
		if (this.patterns.isEmpty()) {
			return false;
		}
		PathContainer path = request.getPath().pathWithinApplication();
		for (PathPattern pattern : this.patterns) {
			if (pattern.matches(path)) {
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

package dev.fluxgate.ratelimit;

import java.util.List;

import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * A rate limit for the requests whose path matches one of its patterns: each key (client, API key, user) gets its
 * own buckets, one per window, and a request is admitted only when every window has a token. Policies and windows
 * are taken as given: {@code fluxgate.rate-limit.policies.*} validates them once, at binding.
 *
 * @param name the policy's name (headers, Redis keys, meters)
 * @param paths path patterns ({@link PathPattern} syntax, for example {@code /api/**})
 * @param keyResolver whose budget a request spends
 * @param windows the token buckets
 */
public record RateLimitPolicy(String name, List<PathPattern> paths, RateLimitKeyResolver keyResolver,
		List<RateLimitWindow> windows) {

	public RateLimitPolicy {
		paths = List.copyOf(paths);
		windows = List.copyOf(windows);
	}

	/**
	 * A policy from path pattern strings.
	 * @param name the name
	 * @param paths the patterns
	 * @param keyResolver the key resolver
	 * @param windows the windows
	 * @return the policy
	 */
	public static RateLimitPolicy of(String name, List<String> paths, RateLimitKeyResolver keyResolver,
			List<RateLimitWindow> windows) {
		PathPatternParser parser = PathPatternParser.defaultInstance;
		return new RateLimitPolicy(name, paths.stream().map(parser::parse).toList(), keyResolver, windows);
	}

	/**
	 * Whether the policy applies to a path.
	 * @param path the path within the application
	 * @return whether it matches
	 */
	public boolean matches(PathContainer path) {
		for (PathPattern pattern : this.paths) {
			if (pattern.matches(path)) {
				return true;
			}
		}
		return false;
	}

}

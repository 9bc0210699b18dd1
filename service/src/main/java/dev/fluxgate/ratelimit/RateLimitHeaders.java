package dev.fluxgate.ratelimit;

import java.time.Duration;
import java.util.StringJoiner;

import org.springframework.http.HttpHeaders;

/**
 * The {@code RateLimit-Policy} and {@code RateLimit} fields of the IETF httpapi draft "RateLimit header fields for
 * HTTP" (structured-field lists, one item per window):
 * <pre>
 * RateLimit-Policy: "api-second";q=10;w=1, "api-minute";q=300;w=60
 * RateLimit: "api-second";r=0;t=1, "api-minute";r=287;t=3
 * </pre>
 * {@code q} is the quota, {@code w} the window in seconds, {@code r} the remaining quota and {@code t} the seconds
 * until the quota is fully restored.
 */
public final class RateLimitHeaders {

	public static final String RATE_LIMIT_POLICY = "RateLimit-Policy";

	public static final String RATE_LIMIT = "RateLimit";

	private RateLimitHeaders() {
	}

	/**
	 * Add the fields describing a decision.
	 * @param policy the policy
	 * @param decision the decision
	 * @param headers where to add them
	 */
	public static void add(RateLimitPolicy policy, RateLimitDecision decision, HttpHeaders headers) {
		if (decision.windows().isEmpty()) {
			return;
		}
		StringJoiner policies = new StringJoiner(", ");
		StringJoiner limits = new StringJoiner(", ");
		for (RateLimitDecision.WindowState state : decision.windows()) {
			String item = "\"" + policy.name() + "-" + state.window().name() + "\"";
			policies.add(item + ";q=" + state.window().limit() + ";w=" + ceilSeconds(state.window().period()));
			limits.add(item + ";r=" + Math.max(0, state.remaining()) + ";t=" + ceilSeconds(state.resetAfter()));
		}
		headers.add(RATE_LIMIT_POLICY, policies.toString());
		headers.add(RATE_LIMIT, limits.toString());
	}

	static long ceilSeconds(Duration duration) {
		if (duration.isNegative() || duration.isZero()) {
			return 0;
		}
		return duration.toSeconds() + ((duration.toNanosPart() > 0) ? 1 : 0);
	}

}

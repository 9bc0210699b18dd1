package dev.fluxgate.autoconfigure.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import dev.fluxgate.autoconfigure.validation.InvalidPropertyException;
import dev.fluxgate.autoconfigure.validation.PropertyChecks;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * Server-edge guards: Reactor Netty limits Boot has no property for, the request deadline and its propagation, and
 * load shedding. The keep-alive idle timeout keeps Boot's name ({@code server.netty.idle-timeout}); Fluxgate gives it
 * a finite default, kept by its own connection handler on HTTP/1.1 (see
 * {@code BootPropertyDefaults.SERVER_IDLE_TIMEOUT}).
 */
@ConfigurationProperties("fluxgate.server")
public class FluxgateServerProperties implements InitializingBean {

	private static final String PREFIX = "fluxgate.server";

	private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

	/**
	 * Longest pause allowed between two reads of a request body. Reactor Netty has no limit, so a client that
	 * stops sending mid-body (slowloris) holds its connection and buffers forever. Zero disables it.
	 */
	private Duration readTimeout = Duration.ofSeconds(20);

	/**
	 * Longest time to receive a request's body, from its headers to its last byte. When exceeded, a request still
	 * being handled is answered 408 Request Timeout, and the connection is closed. The read timeout bounds each pause,
	 * not the total, and Reactor Netty keeps reading a body the handler left unread after answering, so a client
	 * trickling a byte every few seconds (slowloris) holds its connection and buffers for as long as it likes. 5 min
	 * (Node.js's bound for the same thing) leaves room for a 37 MB upload at 1 Mbit/s; raise it for larger uploads on
	 * slow links, which also need a deadline exclusion. Headers are bounded by server.netty.idle-timeout. Applies to
	 * HTTP/1.1; zero disables it.
	 */
	private Duration requestReadTimeout = Duration.ofMinutes(5);

	/**
	 * Longest time a request may take until its response starts. On expiry the handler is cancelled (and with it its
	 * WebClient calls and R2DBC statements) and the client gets 504; a response that has started is never cut off,
	 * since a truncated body is worse than a late one. WebFlux has
	 * no limit: a request stuck on a hung dependency holds its memory, connections and pool slots forever, and its
	 * caller's proxy answers 504 while the work goes on. 30 s is above the p99.9 of interactive APIs and leaves room
	 * for a few downstream calls at the default 10 s client read timeout, yet is below the 60 s idle timeouts of
	 * common load balancers and proxies, so the service gives up (and frees what the request holds) before the proxy
	 * does. Streams (WebSocket, server-sent events, NDJSON), actuator and health paths are not limited. Zero disables
	 * it (an inbound deadline header still applies).
	 */
	private Duration requestTimeout = Duration.ofSeconds(30);

	private final Deadline deadline = new Deadline();

	private final Concurrency concurrency = new Concurrency();

	public Duration getReadTimeout() {
		return this.readTimeout;
	}

	public void setReadTimeout(Duration readTimeout) {
		this.readTimeout = readTimeout;
	}

	public Duration getRequestReadTimeout() {
		return this.requestReadTimeout;
	}

	public void setRequestReadTimeout(Duration requestReadTimeout) {
		this.requestReadTimeout = requestReadTimeout;
	}

	public Duration getRequestTimeout() {
		return this.requestTimeout;
	}

	public void setRequestTimeout(Duration requestTimeout) {
		this.requestTimeout = requestTimeout;
	}

	public Deadline getDeadline() {
		return this.deadline;
	}

	public Concurrency getConcurrency() {
		return this.concurrency;
	}

	@Override
	public void afterPropertiesSet() {
		positiveOrZero("read-timeout", this.readTimeout);
		positiveOrZero("request-read-timeout", this.requestReadTimeout);
		positiveOrZero("request-timeout", this.requestTimeout);
		this.deadline.validate();
		this.concurrency.validate();
	}

	/**
	 * How a request's deadline is narrowed by its caller and passed on to the calls it makes.
	 */
	public static class Deadline {

		/**
		 * Request header carrying the caller's remaining time budget, in milliseconds. It can only shorten the
		 * request timeout, never extend it; 0 or less means the caller has already given up, so the request is
		 * answered 504 without running the handler; a value that is not a number is ignored. The same header
		 * carries the remaining budget to services called through the auto-configured WebClient.Builder. Empty to
		 * ignore callers' deadlines.
		 */
		private String header = "X-Request-Timeout-Ms";

		/**
		 * Whether Envoy's x-envoy-expected-rq-timeout-ms header (the route timeout Envoy applies to this request)
		 * also narrows the deadline. Off by default: only trust it behind an Envoy that sets it.
		 */
		private boolean envoyHeader = false;

		/**
		 * Whether calls made through the auto-configured WebClient.Builder send the remaining budget in the
		 * deadline header. The call's timeout is capped by the deadline either way. Turn it off when calling third
		 * parties that should not see it.
		 */
		private boolean forward = true;

		/**
		 * Time kept back from the remaining budget for each WebClient call: the response has to travel back and be
		 * handled before the request's own deadline. A call gets min(remaining - margin, client read timeout).
		 */
		private Duration margin = Duration.ofMillis(50);

		/**
		 * Path patterns (PathPattern syntax, e.g. /files/**) the request timeout does not apply to, in addition to
		 * the actuator base path and the /livez and /readyz probes, which are always excluded.
		 */
		private List<String> excludedPaths = new ArrayList<>();

		public String getHeader() {
			return this.header;
		}

		public void setHeader(String header) {
			this.header = header;
		}

		public boolean isEnvoyHeader() {
			return this.envoyHeader;
		}

		public void setEnvoyHeader(boolean envoyHeader) {
			this.envoyHeader = envoyHeader;
		}

		public boolean isForward() {
			return this.forward;
		}

		public void setForward(boolean forward) {
			this.forward = forward;
		}

		public Duration getMargin() {
			return this.margin;
		}

		public void setMargin(Duration margin) {
			this.margin = margin;
		}

		public List<String> getExcludedPaths() {
			return this.excludedPaths;
		}

		public void setExcludedPaths(List<String> excludedPaths) {
			this.excludedPaths = excludedPaths;
		}

		void validate() {
			String prefix = PREFIX + ".deadline.";
			if (this.header != null && !this.header.isEmpty() && !HEADER_NAME.matcher(this.header).matches()) {
				throw new InvalidPropertyException(prefix + "header", this.header,
						"an HTTP header name (letters, digits and -), or empty to disable");
			}
			if (this.margin == null || this.margin.isNegative()) {
				throw new InvalidPropertyException(prefix + "margin", this.margin,
						"zero or a positive duration (for example 50ms)");
			}
			validatePatterns(prefix + "excluded-paths", this.excludedPaths);
		}

	}

	/**
	 * Load shedding at the server edge: a limit on requests in flight.
	 */
	public static class Concurrency {

		/**
		 * How the limit on requests in flight is set. FIXED enforces "limit" and is the default: predictable, and it
		 * cannot mistake latency noise (a mix of fast and slow endpoints, a slow dependency) for overload and shed a
		 * healthy instance, which adaptive limits can. ADAPTIVE learns the limit from latency and errors (a gradient
		 * limit with "limit" as ceiling): use it once metrics show the fixed limit is far from the instance's real
		 * capacity. OFF admits everything.
		 */
		private Mode mode = Mode.FIXED;

		/**
		 * Maximum requests in flight (in ADAPTIVE mode the ceiling, and the warm-start value). WebFlux has no limit:
		 * when requests arrive faster than they finish they pile up, each holding memory and waiting on pools, until
		 * the instance runs out of heap or every request times out. 1000 is above what a healthy instance serves
		 * concurrently with Fluxgate's pool defaults (100 HTTP connections + 200 waiting per host, 10 database
		 * connections + 100 waiting), so it sheds only the pile-up, never a healthy peak; at 30 s request timeout,
		 * 500 req/s against a hung dependency would otherwise hold 15 000 requests.
		 */
		private int limit = 1000;

		/**
		 * Measure and report, never reject: requests over the limit are admitted and counted in
		 * fluxgate.gate.shadow.rejected. Use it to try a limit (or ADAPTIVE mode) on production traffic.
		 */
		private boolean shadow = false;

		/**
		 * Retry-After sent with a 503 when a request is shed. Short: shedding is about the next second, and a
		 * client honouring it spreads its retries instead of hammering.
		 */
		private Duration retryAfter = Duration.ofSeconds(1);

		/**
		 * Path patterns (PathPattern syntax) never shed, in addition to the actuator base path and the /livez and
		 * /readyz probes, which are always excluded so an overloaded instance is not restarted for failing its
		 * probes.
		 */
		private List<String> excludedPaths = new ArrayList<>();

		public Mode getMode() {
			return this.mode;
		}

		public void setMode(Mode mode) {
			this.mode = mode;
		}

		public int getLimit() {
			return this.limit;
		}

		public void setLimit(int limit) {
			this.limit = limit;
		}

		public boolean isShadow() {
			return this.shadow;
		}

		public void setShadow(boolean shadow) {
			this.shadow = shadow;
		}

		public Duration getRetryAfter() {
			return this.retryAfter;
		}

		public void setRetryAfter(Duration retryAfter) {
			this.retryAfter = retryAfter;
		}

		public List<String> getExcludedPaths() {
			return this.excludedPaths;
		}

		public void setExcludedPaths(List<String> excludedPaths) {
			this.excludedPaths = excludedPaths;
		}

		void validate() {
			PropertyChecks checks = PropertyChecks.forPrefix(PREFIX + ".concurrency");
			if (this.mode == null) {
				throw new InvalidPropertyException(PREFIX + ".concurrency.mode", null, "one of fixed, adaptive, off");
			}
			checks.between("limit", this.limit, 1, 1_000_000);
			checks.positive("retry-after", this.retryAfter);
			validatePatterns(PREFIX + ".concurrency.excluded-paths", this.excludedPaths);
		}

		/**
		 * How the concurrency limit is set.
		 */
		public enum Mode {

			/** A fixed limit. */
			FIXED,

			/** A limit learned from latency and errors, up to the configured limit. */
			ADAPTIVE,

			/** No limit. */
			OFF

		}

	}

	private static void positiveOrZero(String name, Duration value) {
		if (value == null || value.isNegative()) {
			throw new InvalidPropertyException(PREFIX + "." + name, value,
					"a positive duration (for example 20s), or 0 to disable");
		}
	}

	private static void validatePatterns(String property, List<String> patterns) {
		for (String pattern : patterns) {
			try {
				PathPatternParser.defaultInstance.parse(pattern);
			}
			catch (IllegalArgumentException ex) {
				throw new InvalidPropertyException(property, pattern, "a list of path patterns such as /files/**");
			}
		}
	}

}

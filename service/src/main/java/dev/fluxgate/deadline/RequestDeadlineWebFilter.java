package dev.fluxgate.deadline;

import java.time.Duration;
import java.util.List;

import dev.fluxgate.overload.DeadlineExceededException;
import dev.fluxgate.server.RequestExclusions;
import dev.fluxgate.server.ServerFilterOrder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Gives every request a {@link Deadline}: the configured request timeout, narrowed by the caller's remaining budget
 * when it sends one ({@link DeadlineSettings#header()}, optionally Envoy's {@value #ENVOY_HEADER}). The deadline is
 * put in the Reactor context, where client calls cap their own timeouts by it, and in the exchange attribute
 * {@link #DEADLINE_ATTRIBUTE}.
 * <p>
 * The deadline bounds the time until the response starts. When it expires first, the handler's subscription is
 * cancelled, which cancels whatever it is waiting for (a WebClient call closes its connection, an R2DBC statement is
 * abandoned), and the request fails with a {@link DeadlineExceededException} error signal: 504 problem detail
 * through the overload contract. Once the handler has started its response (its body is ready, or it streams) the
 * deadline leaves it alone: cutting a response that has started would send a status line with a truncated or
 * missing body, which a client cannot tell from a slow one. Which of the two comes first is decided once, without a
 * lock, by the {@link DeadlineResponse} the handler writes to, even when the handler commits from another thread
 * (offloaded handlers) at the moment the timer fires on the event loop.
 * <p>
 * A request whose deadline has already passed on arrival (a header value of 0 or less) fails at once without running
 * the handler. Several values (repeated headers, or a comma-separated list as proxies merge them): the smallest valid
 * one wins. A malformed value is ignored (logged at debug): a client's mistake must never become a 500.
 * <p>
 * Not applied to excluded paths and long-lived streams (WebSocket upgrades, requests accepting
 * {@code text/event-stream} or {@code application/x-ndjson}); a response that turns out to be a stream has started,
 * so it is not cut off either.
 * <p>
 * Meter: {@code fluxgate.server.deadline.exceeded} (counter; tags {@code phase} = {@code arrival} |
 * {@code processing}, and {@code origin} = {@code caller} when the deadline came from the caller's header,
 * {@code server} when it was the server's own request timeout).
 */
public class RequestDeadlineWebFilter implements WebFilter, Ordered {

	/** Envoy's header with the route timeout it applies to this request, in milliseconds. */
	public static final String ENVOY_HEADER = "x-envoy-expected-rq-timeout-ms";

	/** Exchange attribute holding the request's {@link Deadline}. */
	public static final String DEADLINE_ATTRIBUTE = Deadline.class.getName();

	private static final Logger logger = LoggerFactory.getLogger(RequestDeadlineWebFilter.class);

	private static final int MAX_LOGGED_VALUE_LENGTH = 64;

	private static final String METER = "fluxgate.server.deadline.exceeded";

	private final DeadlineSettings settings;

	private final RequestExclusions exclusions;

	private final RequestTimers timers;

	private final Counter expiredOnArrival;

	private final Counter expiredInProcessingByCaller;

	private final Counter expiredInProcessingByServer;

	/**
	 * A filter.
	 * @param settings the settings
	 * @param meterRegistry where to count expired deadlines; {@code null} for nowhere
	 */
	public RequestDeadlineWebFilter(DeadlineSettings settings, MeterRegistry meterRegistry) {
		this(settings, meterRegistry, new RequestTimers());
	}

	RequestDeadlineWebFilter(DeadlineSettings settings, MeterRegistry meterRegistry, RequestTimers timers) {
		this.settings = settings;
		this.exclusions = new RequestExclusions(settings.excludedPaths());
		this.timers = timers;
		this.expiredOnArrival = counter(meterRegistry, "arrival", "caller");
		this.expiredInProcessingByCaller = counter(meterRegistry, "processing", "caller");
		this.expiredInProcessingByServer = counter(meterRegistry, "processing", "server");
	}

	private static Counter counter(MeterRegistry registry, String phase, String origin) {
		if (registry == null) {
			return null;
		}
		return Counter.builder(METER)
			.description("Requests whose deadline expired, on arrival or while being processed, by where the "
					+ "deadline came from: the caller's header or the server's request timeout")
			.tag("phase", phase)
			.tag("origin", origin)
			.register(registry);
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		ServerHttpRequest request = exchange.getRequest();
		if (this.exclusions.excludes(exchange)) {
			return chain.filter(exchange);
		}
		Duration timeout = this.settings.requestTimeout();
		Duration inbound = inboundBudget(request);
		boolean fromCaller = false;
		if (inbound != null) {
			if (inbound.isZero() || inbound.isNegative()) {
				increment(this.expiredOnArrival);
				return Mono.error(new DeadlineExceededException("The request's deadline had passed when it arrived"));
			}
			if (timeout == null || inbound.compareTo(timeout) < 0) {
				timeout = inbound;
				fromCaller = true;
			}
		}
		if (timeout == null) {
			return chain.filter(exchange);
		}
		Duration applied = timeout;
		Counter expired = fromCaller ? this.expiredInProcessingByCaller : this.expiredInProcessingByServer;
		Deadline deadline = Deadline.after(applied);
		exchange.getAttributes().put(DEADLINE_ATTRIBUTE, deadline);
		DeadlineResponse response = DeadlineResponse.of(exchange.getResponse());
		// The handler's completion or error also needs the response (a body-less response, or the error handlers'
		// answer); when the deadline has it, the handler's outcome never arrives and the 504 is the answer. The
		// timer only fires if it wins the response; once the handler has it, it never fires.
		return new DeadlineMono(chain.filter(new DeadlineExchange(exchange, response)), deadline, response,
				this.timers, request, applied.toNanos(), () -> {
					increment(expired);
					return new DeadlineExceededException(
							"The request did not complete within its deadline of " + applied.toMillis() + " ms");
				});
	}

	private Duration inboundBudget(ServerHttpRequest request) {
		Duration budget = smallest(request, this.settings.header());
		if (this.settings.acceptEnvoyHeader()) {
			Duration envoy = smallest(request, ENVOY_HEADER);
			if (envoy != null && (budget == null || envoy.compareTo(budget) < 0)) {
				budget = envoy;
			}
		}
		return budget;
	}

	/**
	 * The smallest valid value of a header, across repeated fields and comma-separated lists (as proxies merge
	 * repeated fields): the caller's tightest budget. Empty list elements are skipped; malformed ones are ignored.
	 */
	private static Duration smallest(ServerHttpRequest request, String header) {
		if (header == null) {
			return null;
		}
		List<String> values = request.getHeaders().get(header);
		if (values == null) {
			return null;
		}
		long smallest = Long.MAX_VALUE;
		boolean found = false;
		for (String value : values) {
			int length = value.length();
			int start = 0;
			while (start <= length) {
				int comma = value.indexOf(',', start);
				int end = (comma < 0) ? length : comma;
				int from = start;
				int to = end;
				while (from < to && isWhitespace(value.charAt(from))) {
					from++;
				}
				while (to > from && isWhitespace(value.charAt(to - 1))) {
					to--;
				}
				if (from < to) {
					try {
						long millis = Long.parseLong(value, from, to, 10);
						smallest = Math.min(smallest, millis);
						found = true;
					}
					catch (NumberFormatException ex) {
						if (logger.isDebugEnabled()) {
							logger.debug("Ignoring malformed deadline header {}: '{}' is not a number of milliseconds",
									header, printable(value.substring(from, to)));
						}
					}
				}
				start = end + 1;
			}
		}
		return found ? Duration.ofMillis(smallest) : null;
	}

	private static boolean isWhitespace(char c) {
		return c == ' ' || c == '\t';
	}

	/** Header values are attacker-controlled: keep log lines short and on one line. */
	private static String printable(String value) {
		String shortened = (value.length() > MAX_LOGGED_VALUE_LENGTH)
				? value.substring(0, MAX_LOGGED_VALUE_LENGTH) + "..." : value;
		return shortened.replaceAll("\\p{Cntrl}", "?");
	}

	private static void increment(Counter counter) {
		if (counter != null) {
			counter.increment();
		}
	}

	@Override
	public int getOrder() {
		return ServerFilterOrder.DEADLINE;
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

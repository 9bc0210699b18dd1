package dev.fluxgate.server;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.fluxgate.deadline.Deadline;
import dev.fluxgate.overload.DeadlineExceededException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Gives every request a {@link Deadline}: the configured request timeout, narrowed by the caller's remaining budget
 * when it sends one ({@link DeadlineSettings#header()}, optionally Envoy's {@value #ENVOY_HEADER}). The deadline is
 * put in the Reactor context, where client calls cap their own timeouts by it, and in the exchange attribute
 * {@link #DEADLINE_ATTRIBUTE}.
 * <p>
 * When the deadline expires the handler's subscription is cancelled, which cancels whatever it is waiting for (a
 * WebClient call closes its connection, an R2DBC statement is abandoned), and the request fails with a
 * {@link DeadlineExceededException} error signal: 504 problem detail through the overload contract. A request whose
 * deadline has already passed on arrival (a header value of 0 or less) fails at once without running the handler.
 * A malformed header is ignored (logged at debug): a client's mistake must never become a 500.
 * <p>
 * Not applied to excluded paths and long-lived streams (WebSocket upgrades, requests accepting
 * {@code text/event-stream} or {@code application/x-ndjson}); a response that turns out to be such a stream (its
 * content type is set when it commits) is not cut off either.
 * <p>
 * Meter: {@code fluxgate.server.deadline.exceeded} (counter; tag {@code phase} = {@code arrival} | {@code processing}).
 */
public class RequestDeadlineWebFilter implements WebFilter, Ordered {

	/** Envoy's header with the route timeout it applies to this request, in milliseconds. */
	public static final String ENVOY_HEADER = "x-envoy-expected-rq-timeout-ms";

	/** Exchange attribute holding the request's {@link Deadline}. */
	public static final String DEADLINE_ATTRIBUTE = Deadline.class.getName();

	private static final Logger logger = LoggerFactory.getLogger(RequestDeadlineWebFilter.class);

	private static final int MAX_LOGGED_VALUE_LENGTH = 64;

	private final DeadlineSettings settings;

	private final RequestExclusions exclusions;

	private final RequestTimers timers = new RequestTimers();

	private final Counter expiredOnArrival;

	private final Counter expiredInProcessing;

	/**
	 * A filter.
	 * @param settings the settings
	 * @param meterRegistry where to count expired deadlines; {@code null} for nowhere
	 */
	public RequestDeadlineWebFilter(DeadlineSettings settings, MeterRegistry meterRegistry) {
		this.settings = settings;
		this.exclusions = new RequestExclusions(settings.excludedPaths());
		this.expiredOnArrival = counter(meterRegistry, "arrival");
		this.expiredInProcessing = counter(meterRegistry, "processing");
	}

	private static Counter counter(MeterRegistry registry, String phase) {
		if (registry == null) {
			return null;
		}
		return Counter.builder("fluxgate.server.deadline.exceeded")
			.description("Requests whose deadline expired, on arrival or while being processed")
			.tag("phase", phase)
			.register(registry);
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		ServerHttpRequest request = exchange.getRequest();
		if (this.exclusions.excludes(request)) {
			return chain.filter(exchange);
		}
		Duration timeout = this.settings.requestTimeout();
		Duration inbound = inboundBudget(request);
		if (inbound != null) {
			if (inbound.isZero() || inbound.isNegative()) {
				increment(this.expiredOnArrival);
				return Mono.error(new DeadlineExceededException("The request's deadline had passed when it arrived"));
			}
			timeout = (timeout == null || inbound.compareTo(timeout) < 0) ? inbound : timeout;
		}
		if (timeout == null) {
			return chain.filter(exchange);
		}
		Duration applied = timeout;
		Deadline deadline = Deadline.after(applied);
		exchange.getAttributes().put(DEADLINE_ATTRIBUTE, deadline);
		AtomicBoolean streaming = new AtomicBoolean();
		ServerHttpResponse response = exchange.getResponse();
		response.beforeCommit(() -> {
			if (RequestExclusions.isStream(response.getHeaders().getContentType())) {
				streaming.set(true);
			}
			return Mono.empty();
		});
		Mono<Long> expiry = Mono.delay(applied, this.timers.schedulerFor(request))
			.flatMap((tick) -> streaming.get() ? Mono.never() : Mono.just(tick));
		return chain.filter(exchange)
			.contextWrite(deadline::putIn)
			.timeout(expiry, Mono.defer(() -> expired(applied)));
	}

	private Mono<Void> expired(Duration timeout) {
		increment(this.expiredInProcessing);
		return Mono.error(new DeadlineExceededException(
				"The request did not complete within its deadline of " + timeout.toMillis() + " ms"));
	}

	private Duration inboundBudget(ServerHttpRequest request) {
		Duration budget = parse(request, this.settings.header());
		if (this.settings.acceptEnvoyHeader()) {
			Duration envoy = parse(request, ENVOY_HEADER);
			if (envoy != null && (budget == null || envoy.compareTo(budget) < 0)) {
				budget = envoy;
			}
		}
		return budget;
	}

	private static Duration parse(ServerHttpRequest request, String header) {
		if (header == null) {
			return null;
		}
		String value = request.getHeaders().getFirst(header);
		if (value == null) {
			return null;
		}
		try {
			return Duration.ofMillis(Long.parseLong(value.trim()));
		}
		catch (NumberFormatException ex) {
			if (logger.isDebugEnabled()) {
				logger.debug("Ignoring malformed deadline header {}: '{}' is not a number of milliseconds", header,
						printable(value));
			}
			return null;
		}
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

}

package dev.fluxgate.overload;

import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.MediaType;
import org.springframework.http.codec.HttpMessageWriter;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.reactive.result.view.ViewResolver;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;

/**
 * Renders the overload contract: its status, its headers ({@code Retry-After}) and an
 * {@code application/problem+json} body, for
 * <ul>
 * <li>an {@link OverloadException} anywhere in the error's cause chain (Fluxgate refused or cut short the work);</li>
 * <li>a {@link DependencyFailure}: a timeout of a bounded dependency (504) or a dependency that cannot be reached
 * (503 with {@code Retry-After}), which would otherwise end as an opaque 500. These are counted in
 * {@value #DEPENDENCY_FAILURES_METER} (tag {@code reason}) and logged as one WARN line per kind at a bounded rate,
 * without a stack trace per request.</li>
 * </ul>
 * Any other error passes on unchanged. Ordered just before Boot's error handler, so the application's own handling
 * wins: an {@code @ExceptionHandler} or {@code @ControllerAdvice} runs before any {@code WebExceptionHandler}, and its
 * own {@code WebExceptionHandler} with a higher precedence runs before this one.
 */
public class OverloadExceptionHandler implements WebExceptionHandler, Ordered {

	/** Just before Spring Boot's {@code ErrorWebExceptionHandler} (-1). */
	public static final int ORDER = -2;

	/** Counter of requests answered with a {@link DependencyFailure}, tag {@code reason}. */
	public static final String DEPENDENCY_FAILURES_METER = "fluxgate.server.dependency.failures";

	private final ServerResponse.Context context;

	private final DependencyFailureRecorder failures;

	private final boolean classifyDependencyFailures;

	/**
	 * A handler that renders dependency failures and counts nothing.
	 * @param codecs the codecs that write the problem detail
	 */
	public OverloadExceptionHandler(ServerCodecConfigurer codecs) {
		this(codecs, null, true);
	}

	/**
	 * A handler.
	 * @param codecs the codecs that write the problem detail
	 * @param meterRegistry where to count dependency failures; without one they are logged but not counted
	 * @param classifyDependencyFailures whether to answer {@link DependencyFailure}s too, or only
	 * {@link OverloadException}s
	 */
	public OverloadExceptionHandler(ServerCodecConfigurer codecs, @Nullable MeterRegistry meterRegistry,
			boolean classifyDependencyFailures) {
		this.failures = new DependencyFailureRecorder(meterRegistry);
		this.classifyDependencyFailures = classifyDependencyFailures;
		List<HttpMessageWriter<?>> writers = codecs.getWriters();
		this.context = new ServerResponse.Context() {
			@Override
			public List<HttpMessageWriter<?>> messageWriters() {
				return writers;
			}

			@Override
			public List<ViewResolver> viewResolvers() {
				return List.of();
			}
		};
	}

	@Override
	public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
		if (exchange.getResponse().isCommitted()) {
			return Mono.error(ex);
		}
		OverloadException overload = findOverload(ex);
		if (overload == null) {
			overload = dependencyFailure(exchange, ex);
			if (overload == null) {
				return Mono.error(ex);
			}
		}
		else {
			// Raised elsewhere in Fluxgate with a dependency failure's reason (the pool's db-unavailable): same count.
			OverloadException raised = overload;
			DependencyFailure.ofReason(raised.getReason())
				.ifPresent((failure) -> this.failures.record(failure, ex, raised,
						DependencyFailureRecorder.describe(exchange)));
		}
		return render(exchange, overload);
	}

	private @Nullable OverloadException dependencyFailure(ServerWebExchange exchange, Throwable ex) {
		DependencyFailures.Classification classification = this.classifyDependencyFailures
				? DependencyFailures.classify(ex) : null;
		if (classification == null) {
			return null;
		}
		this.failures.record(classification.failure(), ex, classification.identifiedBy(),
				DependencyFailureRecorder.describe(exchange));
		return classification.failure().toException(ex);
	}

	private Mono<Void> render(ServerWebExchange exchange, OverloadException overload) {
		return ServerResponse.status(overload.getStatusCode())
			.headers((headers) -> headers.addAll(overload.getHeaders()))
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.bodyValue(overload.getBody())
			.flatMap((response) -> response.writeTo(exchange, this.context));
	}

	/**
	 * The overload anywhere in the cause chain: data-access and client layers wrap what they cannot handle (Spring
	 * R2DBC turns any acquisition failure into a {@code DataAccessResourceFailureException}), and a wrapped overload
	 * is still an overload, not a 500.
	 */
	static @Nullable OverloadException findOverload(Throwable ex) {
		for (Throwable link : DependencyFailures.chain(ex)) {
			if (link instanceof OverloadException overload) {
				return overload;
			}
		}
		return null;
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

}

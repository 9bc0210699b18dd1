package dev.fluxgate.overload;

import java.util.List;

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
 * Renders an {@link OverloadException} as the overload contract: its status, its headers ({@code Retry-After}) and
 * an {@code application/problem+json} body. Ordered just before Boot's error handler, so an application's own
 * {@code WebExceptionHandler} with a higher precedence, or a {@code @ControllerAdvice}, can restyle it.
 */
public class OverloadExceptionHandler implements WebExceptionHandler, Ordered {

	/** Just before Spring Boot's {@code ErrorWebExceptionHandler} (-1). */
	public static final int ORDER = -2;

	private final ServerResponse.Context context;

	public OverloadExceptionHandler(ServerCodecConfigurer codecs) {
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
		OverloadException overload = findOverload(ex);
		if (overload == null || exchange.getResponse().isCommitted()) {
			return Mono.error(ex);
		}
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
	static OverloadException findOverload(Throwable ex) {
		Throwable current = ex;
		for (int depth = 0; current != null && depth < 16; depth++) {
			if (current instanceof OverloadException overload) {
				return overload;
			}
			current = current.getCause();
		}
		return null;
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

}

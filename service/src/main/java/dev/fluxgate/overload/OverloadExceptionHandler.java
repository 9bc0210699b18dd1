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
		if (!(ex instanceof OverloadException overload) || exchange.getResponse().isCommitted()) {
			return Mono.error(ex);
		}
		return ServerResponse.status(overload.getStatusCode())
			.headers((headers) -> headers.addAll(overload.getHeaders()))
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.bodyValue(overload.getBody())
			.flatMap((response) -> response.writeTo(exchange, this.context));
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

}

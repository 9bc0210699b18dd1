package dev.fluxgate.ratelimit;

import java.net.InetSocketAddress;
import java.security.Principal;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.web.server.ServerWebExchange;

/**
 * Decides whose budget a request spends. Keys are namespaced ({@code addr:}, {@code header:}, {@code principal:})
 * so the resolvers never collide.
 */
@FunctionalInterface
public interface RateLimitKeyResolver {

	/**
	 * The key of a request.
	 * @param exchange the request
	 * @return the key; never empty
	 */
	Mono<String> resolve(ServerWebExchange exchange);

	/**
	 * The client's address as the server sees it. {@code X-Forwarded-For}/{@code Forwarded} are used only when
	 * Spring Boot's {@code server.forward-headers-strategy} trusts them (Boot then rewrites the remote address before
	 * any WebFilter runs), so a client cannot pick its own key by sending the header.
	 * @return the resolver
	 */
	static RateLimitKeyResolver clientAddress() {
		return (exchange) -> Mono.just("addr:" + address(exchange));
	}

	/**
	 * A request header, for example an API key; requests without it are keyed by client address.
	 * @param name the header
	 * @return the resolver
	 */
	static RateLimitKeyResolver header(String name) {
		return (exchange) -> {
			@Nullable String value = exchange.getRequest().getHeaders().getFirst(name);
			return Mono.just((value != null && !value.isBlank()) ? "header:" + value.trim()
					: "addr:" + address(exchange));
		};
	}

	/**
	 * The authenticated principal's name; anonymous requests are keyed by client address.
	 * @return the resolver
	 */
	static RateLimitKeyResolver principal() {
		return (exchange) -> exchange.getPrincipal()
			.map(Principal::getName)
			.map((name) -> "principal:" + name)
			.defaultIfEmpty("addr:" + address(exchange));
	}

	private static String address(ServerWebExchange exchange) {
		@Nullable InetSocketAddress remote = exchange.getRequest().getRemoteAddress();
		if (remote == null) {
			return "unknown";
		}
		return (remote.getAddress() != null) ? remote.getAddress().getHostAddress() : remote.getHostString();
	}

}

package dev.fluxgate.dependency;

import dev.fluxgate.overload.OverloadException;
import reactor.core.publisher.Mono;

import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;

/**
 * The answer to use when a dependency's call is refused without being made: its bulkhead is full or its circuit is
 * open. Without a fallback the caller gets the {@link OverloadException} (503).
 */
@FunctionalInterface
public interface DependencyFallback {

	/**
	 * A substitute response.
	 * @param request the request that was not sent
	 * @param cause why it was not sent
	 * @return the response to use, or an error
	 */
	Mono<ClientResponse> fallback(ClientRequest request, OverloadException cause);

}

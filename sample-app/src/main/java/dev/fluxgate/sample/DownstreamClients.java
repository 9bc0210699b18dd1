package dev.fluxgate.sample;

import dev.fluxgate.dependency.FluxgateDependencies;
import dev.fluxgate.dependency.DependencyFallback;
import dev.fluxgate.overload.OverloadException;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;

import reactor.core.publisher.Mono;

/**
 * WebClients for the named dependency {@code downstream} ({@code fluxgate.dependencies.downstream.*}): one that fails
 * refused calls with 503, one that answers them with a fallback.
 * <p>
 * The sample's downstream is its own stub, whose port is known only once the server has started (server.port=0 in
 * tests), so the clients are built on {@link WebServerInitializedEvent}, before the first request can arrive. A real
 * service sets {@code fluxgate.dependencies.downstream.base-url} instead, which then wins. With
 * {@code fluxgate.enabled=false} the clients are plain ones from the auto-configured {@code WebClient.Builder}.
 */
@Component
class DownstreamClients implements ApplicationListener<WebServerInitializedEvent> {

	static final String NAME = "downstream";

	/** Header of a fallback answer, carrying the reason the call was refused. */
	static final String FALLBACK_HEADER = "X-Fallback";

	private final FluxgateDependencies dependencies;

	private final ObjectProvider<WebClient.Builder> builders;

	private final Environment environment;

	private volatile WebClient guarded;

	private volatile WebClient withFallback;

	DownstreamClients(ObjectProvider<FluxgateDependencies> dependencies, ObjectProvider<WebClient.Builder> builders,
			Environment environment) {
		this.dependencies = dependencies.getIfAvailable();
		this.builders = builders;
		this.environment = environment;
	}

	@Override
	public void onApplicationEvent(WebServerInitializedEvent event) {
		if (event.getApplicationContext().getServerNamespace() != null) {
			return; // the management server, if it runs on a port of its own
		}
		String configured = this.environment.getProperty("fluxgate.dependencies." + NAME + ".base-url");
		String baseUrl = (configured != null && !configured.isBlank()) ? null
				: "http://127.0.0.1:" + event.getWebServer().getPort();
		this.guarded = build(baseUrl, null);
		this.withFallback = build(baseUrl, DownstreamClients::cachedQuote);
	}

	/** The client whose refused calls fail with 503 (bulkhead-full, circuit-open). */
	WebClient guarded() {
		return this.guarded;
	}

	/** The client whose refused calls get a cached answer. */
	WebClient withFallback() {
		return this.withFallback;
	}

	private WebClient build(String baseUrl, DependencyFallback fallback) {
		WebClient.Builder builder;
		if (this.dependencies == null) {
			builder = this.builders.getIfAvailable(WebClient::builder);
		}
		else {
			builder = (fallback != null) ? this.dependencies.webClientBuilder(NAME, fallback)
					: this.dependencies.webClientBuilder(NAME);
		}
		return (baseUrl != null) ? builder.baseUrl(baseUrl).build() : builder.build();
	}

	private static Mono<ClientResponse> cachedQuote(ClientRequest request,
			OverloadException cause) {
		return Mono.just(ClientResponse.create(HttpStatus.OK)
			.header(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_JSON_VALUE)
			.header(FALLBACK_HEADER, cause.getReason())
			.body("{\"price\":42,\"source\":\"fallback\",\"reason\":\"" + cause.getReason() + "\"}")
			.build());
	}

}

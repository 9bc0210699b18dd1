package dev.fluxgate.dependency;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.handler.codec.http.HttpResponseStatus;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A real HTTP server on a random loopback port whose paths answer the way a struggling dependency does, and counts
 * the requests each path received.
 */
final class LoopbackServer implements AutoCloseable {

	private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();

	private final DisposableServer server;

	LoopbackServer() {
		this.server = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.route((routes) -> routes
				.get("/ok", (req, res) -> count("/ok").then(res.sendString(Mono.just("ok")).then()))
				.get("/unavailable-twice", (req, res) -> count("/unavailable-twice")
					.flatMap((n) -> (n <= 2) ? res.status(HttpResponseStatus.SERVICE_UNAVAILABLE).send().then()
							: res.sendString(Mono.just("recovered")).then()))
				.route((req) -> req.uri().startsWith("/unavailable"),
						(req, res) -> count("/unavailable")
							.then(res.status(HttpResponseStatus.SERVICE_UNAVAILABLE).send().then()))
				.get("/retry-after",
						(req, res) -> count("/retry-after").then(res.status(HttpResponseStatus.SERVICE_UNAVAILABLE)
							.header("Retry-After", "2")
							.send()
							.then()))
				.get("/slow", (req, res) -> count("/slow")
					.then(Mono.delay(Duration.ofSeconds(3)))
					.then(res.sendString(Mono.just("late")).then()))
				.get("/error", (req, res) -> count("/error")
					.then(res.status(HttpResponseStatus.INTERNAL_SERVER_ERROR).send().then()))
				.get("/error-with-body", (req, res) -> count("/error-with-body")
					.then(res.status(HttpResponseStatus.INTERNAL_SERVER_ERROR)
						.sendString(Mono.just("{\"error\":\"boom\"}"))
						.then())))
			.bindNow();
	}

	private Mono<Integer> count(String path) {
		return Mono.fromSupplier(() -> this.hits.computeIfAbsent(path, (p) -> new AtomicInteger()).incrementAndGet());
	}

	int hits(String path) {
		AtomicInteger count = this.hits.get(path);
		return (count != null) ? count.get() : 0;
	}

	String baseUrl() {
		return "http://127.0.0.1:" + this.server.port();
	}

	@Override
	public void close() {
		this.server.disposeNow(Duration.ofSeconds(5));
	}

}

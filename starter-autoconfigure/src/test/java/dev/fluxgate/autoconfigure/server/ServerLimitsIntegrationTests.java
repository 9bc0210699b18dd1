package dev.fluxgate.autoconfigure.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.fluxgate.server.HttpConnectionTimeouts;
import io.netty.channel.Channel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.NettyPipeline;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reactor Netty server limits, seen from a raw socket the way a slow or idle client sees them.
 */
@ExtendWith(OutputCaptureExtension.class)
class ServerLimitsIntegrationTests {

	@Test
	void clientThatStopsSendingItsBodyIsDisconnected() throws IOException {
		try (ConfigurableApplicationContext context = start("fluxgate.server.read-timeout=500ms");
				Socket socket = new Socket("127.0.0.1", port(context))) {
			socket.setSoTimeout(10_000);
			OutputStream out = socket.getOutputStream();
			out.write(("POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\n"
					+ "Content-Length: 100\r\n\r\nonly ten b").getBytes(StandardCharsets.US_ASCII));
			out.flush();
			long start = System.nanoTime();
			assertThat(readUntilClosed(socket.getInputStream())).isTrue();
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(300),
					Duration.ofSeconds(5));
		}
	}

	// The request's drop hook is not part of controller offloading: with that switched off the log stays quiet too.
	@ParameterizedTest(name = "fluxgate.offload.blocking.controllers={0}")
	@ValueSource(booleans = { true, false })
	void bodyTrickledToAHandlerThatReadsItIsAnswered408AndCutOff(boolean controllerOffloading, CapturedOutput output)
			throws Exception {
		try (ConfigurableApplicationContext context = start("fluxgate.server.request-read-timeout=1s",
				"fluxgate.offload.blocking.controllers=" + controllerOffloading);
				Socket socket = new Socket("127.0.0.1", port(context))) {
			assertClosedWhileTrickling(socket, "/echo", "HTTP/1.1 408 Request Timeout");
		}
		assertThat(output).doesNotContain("500 Server Error");
		// A slow client is the client's problem: nothing at WARN or ERROR, no stack trace, per request
		assertThat(output).doesNotContain("RequestBodyTimeoutException").doesNotContain("onErrorDropped");
	}

	@Test
	void bodyTrickledAfterTheHandlerAnsweredWithoutReadingItIsCutOff() throws Exception {
		try (ConfigurableApplicationContext context = start("fluxgate.server.request-read-timeout=1s");
				Socket socket = new Socket("127.0.0.1", port(context))) {
			assertClosedWhileTrickling(socket, "/ignore", "HTTP/1.1 200 OK");
		}
	}

	@Test
	void keepAliveConnectionWhoseBodiesArriveInTimeStaysOpen() throws Exception {
		try (ConfigurableApplicationContext context = start("fluxgate.server.request-read-timeout=500ms");
				Socket socket = new Socket("127.0.0.1", port(context))) {
			socket.setSoTimeout(10_000);
			OutputStream out = socket.getOutputStream();
			InputStream in = socket.getInputStream();
			for (String body : List.of("first", "second")) {
				out.write(("POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: "
						+ body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
				out.flush();
				assertThat(readResponse(in)).startsWith("HTTP/1.1 200 OK").endsWith(body);
				// Longer than the bound: a request whose body has arrived is not watched any more.
				Thread.sleep(1_000);
			}
		}
	}

	@Test
	void headersTrickledAreCutOffByTheIdleTimeout() throws Exception {
		try (ConfigurableApplicationContext context = start("server.netty.idle-timeout=1s");
				Socket socket = new Socket("127.0.0.1", port(context))) {
			socket.setSoTimeout(200);
			OutputStream out = socket.getOutputStream();
			out.write("GET /ignore HTTP/1.1\r\nHost: localhost\r\n".getBytes(StandardCharsets.US_ASCII));
			long start = System.nanoTime();
			boolean closed = false;
			while (!closed && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20)) {
				closed = !trickle(out, "X-Slow: 1\r\n".getBytes(StandardCharsets.US_ASCII)) || readsEnd(socket.getInputStream());
			}
			assertThat(closed).as("connection closed while its headers trickled").isTrue();
		}
	}

	@Test
	void idleKeepAliveConnectionIsClosed() throws IOException {
		try (ConfigurableApplicationContext context = start("server.netty.idle-timeout=500ms");
				Socket socket = new Socket("127.0.0.1", port(context))) {
			socket.setSoTimeout(10_000);
			OutputStream out = socket.getOutputStream();
			out.write(("POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\n"
					+ "Content-Length: 2\r\n\r\nhi").getBytes(StandardCharsets.US_ASCII));
			out.flush();
			long start = System.nanoTime();
			assertThat(readUntilClosed(socket.getInputStream())).isTrue();
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(300),
					Duration.ofSeconds(5));
		}
	}

	@Test
	void defaultIdleTimeoutIsKeptByFluxgatesConnectionHandlerNotReactorNettys() throws Exception {
		try (ConfigurableApplicationContext context = start("fluxgate.server.request-read-timeout=0")) {
			assertThat(context.getEnvironment().getProperty("server.netty.idle-timeout")).isNull();
			HttpServer server = customized(context, HttpServer.create());
			assertThat(server.configuration().idleTimeout()).isNull();
			assertThat(pipelineOfAConnection(server)).contains(HttpConnectionTimeouts.HANDLER_NAME)
				.doesNotContain(NettyPipeline.IdleTimeoutHandler);
		}
	}

	@Test
	void idleTimeoutTheApplicationSetsIsReactorNettys() throws Exception {
		try (ConfigurableApplicationContext context = start("server.netty.idle-timeout=45s")) {
			HttpServer server = customized(context, HttpServer.create());
			assertThat(server.configuration().idleTimeout()).isEqualTo(Duration.ofSeconds(45));
			assertThat(pipelineOfAConnection(server)).contains(NettyPipeline.IdleTimeoutHandler);
		}
	}

	@Test
	void http2ServerKeepsTheDefaultIdleTimeoutWithReactorNettys() {
		try (ConfigurableApplicationContext context = start()) {
			HttpServer http2 = HttpServer.create().protocol(HttpProtocol.HTTP11, HttpProtocol.H2C);
			assertThat(customized(context, http2).configuration().idleTimeout()).isEqualTo(Duration.ofSeconds(60));
		}
	}

	@Test
	void defaultsBoundIdleConnectionsAndMultipart() {
		try (ConfigurableApplicationContext context = start()) {
			assertThat(context.getEnvironment().getProperty("spring.webflux.multipart.max-parts")).isEqualTo("128");
			assertThat(context.getEnvironment().getProperty("spring.webflux.multipart.max-disk-usage-per-part"))
				.isEqualTo("10MB");
			assertThat(context.getBean(FluxgateServerProperties.class).getReadTimeout())
				.isEqualTo(Duration.ofSeconds(20));
			assertThat(context.getBean(FluxgateServerProperties.class).getRequestReadTimeout())
				.isEqualTo(Duration.ofMinutes(5));
		}
	}

	/**
	 * Sends a request announcing a 1000-byte body, then trickles the body a byte every 100 ms (never a pause the read
	 * timeout would notice) and expects the server to close the connection long before the body is complete.
	 */
	private static void assertClosedWhileTrickling(Socket socket, String path, String expectedResponse)
			throws IOException {
		socket.setSoTimeout(100);
		OutputStream out = socket.getOutputStream();
		out.write(("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\n"
				+ "Content-Length: 1000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
		out.flush();
		StringBuilder received = new StringBuilder();
		long start = System.nanoTime();
		boolean closed = false;
		// 1000 bytes at one per 100 ms would take 100 s: a close within 20 s is the bound at work.
		while (!closed && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20)) {
			closed = !trickle(out, new byte[] { 'a' }) || readsEnd(socket.getInputStream(), received);
		}
		assertThat(closed).as("connection closed while the body trickled (received: %s)", received).isTrue();
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(500));
		if (expectedResponse != null) {
			assertThat(received.toString()).startsWith(expectedResponse);
		}
	}

	private static boolean trickle(OutputStream out, byte[] bytes) {
		try {
			out.write(bytes);
			out.flush();
			return true;
		}
		catch (IOException ex) {
			return false; // closed by the server
		}
	}

	private static boolean readsEnd(InputStream in) {
		return readsEnd(in, new StringBuilder());
	}

	/** Reads what arrives within the socket timeout; whether the server closed the connection. */
	private static boolean readsEnd(InputStream in, StringBuilder received) {
		byte[] buffer = new byte[1024];
		try {
			int read = in.read(buffer);
			if (read == -1) {
				return true;
			}
			received.append(new String(buffer, 0, read, StandardCharsets.US_ASCII));
			return false;
		}
		catch (SocketTimeoutException ex) {
			return false;
		}
		catch (IOException ex) {
			return true; // reset by the server
		}
	}

	/** One response on a keep-alive connection: headers, then Content-Length bytes of body. */
	private static String readResponse(InputStream in) throws IOException {
		StringBuilder head = new StringBuilder();
		while (!head.toString().endsWith("\r\n\r\n")) {
			int next = in.read();
			assertThat(next).as("response head").isNotEqualTo(-1);
			head.append((char) next);
		}
		int length = 0;
		for (String line : head.toString().split("\r\n")) {
			if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
				length = Integer.parseInt(line.substring("content-length:".length()).trim());
			}
		}
		return head + new String(in.readNBytes(length), StandardCharsets.US_ASCII);
	}

	/** Reads the response, if any, and reports whether the server then closed the connection. */
	private static boolean readUntilClosed(InputStream in) throws IOException {
		byte[] buffer = new byte[1024];
		try {
			while (in.read(buffer) != -1) {
				// discard the response; wait for the close
			}
			return true;
		}
		catch (SocketTimeoutException ex) {
			return false;
		}
		catch (IOException ex) {
			return true; // reset by the server
		}
	}

	/** A server as the application's server factory customizes it, Boot's customizers included. */
	private static HttpServer customized(ConfigurableApplicationContext context, HttpServer server) {
		HttpServer customized = server;
		for (NettyServerCustomizer customizer : context.getBean(NettyReactiveWebServerFactory.class)
			.getServerCustomizers()) {
			customized = customizer.apply(customized);
		}
		return customized;
	}

	/**
	 * The handlers of a connection to the server once it has answered a request, read on the connection's event loop
	 * after the client has the response: where Reactor Netty keeps its idle handler between requests.
	 */
	private static List<String> pipelineOfAConnection(HttpServer server) throws Exception {
		CompletableFuture<Channel> accepted = new CompletableFuture<>();
		DisposableServer running = server.host("127.0.0.1")
			.port(0)
			.handle((request, response) -> response.sendString(Mono.just("ok")))
			.doOnConnection((connection) -> accepted.complete(connection.channel()))
			.bindNow();
		try (Socket socket = new Socket("127.0.0.1", running.port())) {
			socket.setSoTimeout(10_000);
			socket.getOutputStream()
				.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			assertThat(readResponse(socket.getInputStream())).startsWith("HTTP/1.1 200 OK");
			Channel channel = accepted.get(10, TimeUnit.SECONDS);
			return channel.eventLoop().submit(() -> channel.pipeline().names()).get(10, TimeUnit.SECONDS);
		}
		finally {
			running.disposeNow();
		}
	}

	private static int port(ConfigurableApplicationContext context) {
		return Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
	}

	private static ConfigurableApplicationContext start(String... properties) {
		return new SpringApplicationBuilder(EchoApplication.class).web(WebApplicationType.REACTIVE)
			.properties("server.port=0", "server.shutdown=immediate", "spring.r2dbc.url=r2dbc:h2:mem:///server")
			.properties(properties)
			.run();
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	@RestController
	static class EchoApplication {

		@PostMapping("/echo")
		Mono<String> echo(@RequestBody String body) {
			return Mono.just(body);
		}

		/** Answers without reading the request's body. */
		@RequestMapping("/ignore")
		Mono<String> ignore() {
			return Mono.just("ignored");
		}

	}

}

package dev.fluxgate.autoconfigure.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reactor Netty server limits, seen from a raw socket the way a slow or idle client sees them.
 */
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
	void defaultsBoundIdleConnectionsAndMultipart() {
		try (ConfigurableApplicationContext context = start()) {
			assertThat(context.getEnvironment().getProperty("server.netty.idle-timeout")).isEqualTo("60s");
			assertThat(context.getEnvironment().getProperty("spring.webflux.multipart.max-parts")).isEqualTo("128");
			assertThat(context.getEnvironment().getProperty("spring.webflux.multipart.max-disk-usage-per-part"))
				.isEqualTo("10MB");
			assertThat(context.getBean(FluxgateServerProperties.class).getReadTimeout())
				.isEqualTo(Duration.ofSeconds(20));
		}
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

	}

}

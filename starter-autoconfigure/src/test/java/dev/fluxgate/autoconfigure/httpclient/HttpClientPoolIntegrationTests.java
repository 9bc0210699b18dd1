package dev.fluxgate.autoconfigure.httpclient;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import dev.fluxgate.test.HungServer;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.internal.shaded.reactor.pool.PoolAcquirePendingLimitException;
import reactor.netty.internal.shaded.reactor.pool.PoolAcquireTimeoutException;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.reactive.function.client.WebClient;

import static dev.fluxgate.autoconfigure.httpclient.HttpClientTimeoutIntegrationTests.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The dedicated connection pool behind the auto-configured {@code WebClient.Builder}, exercised against loopback
 * servers.
 */
class HttpClientPoolIntegrationTests {

	@Test
	void exhaustedPoolFailsAWaitingCallWithinThePendingAcquireTimeout() throws Exception {
		try (HungServer hung = new HungServer();
				ConfigurableApplicationContext context = start("fluxgate.http-client.pool.max-connections=2",
						"fluxgate.http-client.pool.pending-acquire-timeout=500ms",
						"spring.http.clients.read-timeout=30s")) {
			WebClient client = context.getBean(WebClient.Builder.class).build();
			Disposable first = client.get().uri(hung.url()).retrieve().bodyToMono(String.class).subscribe();
			Disposable second = client.get().uri(hung.url()).retrieve().bodyToMono(String.class).subscribe();
			await().atMost(Duration.ofSeconds(10)).until(() -> hung.acceptedConnections() == 2);
			long start = System.nanoTime();
			assertThatThrownBy(() -> client.get().uri(hung.url()).retrieve().bodyToMono(String.class)
				.block(Duration.ofSeconds(30))).hasRootCauseInstanceOf(PoolAcquireTimeoutException.class);
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(400),
					Duration.ofSeconds(5));
			assertThat(hung.acceptedConnections()).isEqualTo(2);
			first.dispose();
			second.dispose();
		}
	}

	@Test
	void fullPendingQueueRejectsAtOnce() throws Exception {
		try (HungServer hung = new HungServer();
				ConfigurableApplicationContext context = start("fluxgate.http-client.pool.max-connections=1",
						"fluxgate.http-client.pool.pending-acquire-max-count=1",
						"fluxgate.http-client.pool.pending-acquire-timeout=20s",
						"spring.http.clients.read-timeout=30s")) {
			WebClient client = context.getBean(WebClient.Builder.class).build();
			Disposable holding = client.get().uri(hung.url()).retrieve().bodyToMono(String.class).subscribe();
			await().atMost(Duration.ofSeconds(10)).until(() -> hung.acceptedConnections() == 1);
			Disposable waiting = client.get().uri(hung.url()).retrieve().bodyToMono(String.class).subscribe();
			long start = System.nanoTime();
			assertThatThrownBy(() -> client.get().uri(hung.url()).retrieve().bodyToMono(String.class)
				.block(Duration.ofSeconds(30))).hasRootCauseInstanceOf(PoolAcquirePendingLimitException.class);
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
			holding.dispose();
			waiting.dispose();
		}
	}

	@Test
	void idleConnectionsAreClosedAfterTheMaxIdleTime() {
		AtomicInteger open = new AtomicInteger();
		DisposableServer server = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.doOnConnection((connection) -> {
				open.incrementAndGet();
				connection.onDispose(open::decrementAndGet);
			})
			.handle((request, response) -> response.sendString(reactor.core.publisher.Mono.just("ok")))
			.bindNow();
		try (ConfigurableApplicationContext context = start("fluxgate.http-client.pool.max-idle-time=300ms",
				"fluxgate.http-client.pool.evict-in-background=100ms")) {
			WebClient client = context.getBean(WebClient.Builder.class).build();
			String body = client.get()
				.uri("http://127.0.0.1:" + server.port() + "/")
				.retrieve()
				.bodyToMono(String.class)
				.block(Duration.ofSeconds(10));
			assertThat(body).isEqualTo("ok");
			assertThat(open.get()).isEqualTo(1);
			await().atMost(Duration.ofSeconds(5)).until(() -> open.get() == 0);
		}
		finally {
			server.disposeNow();
		}
	}

	@Test
	void poolIsDedicatedBoundedAndMetered() {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		Metrics.addRegistry(registry);
		DisposableServer server = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.handle((request, response) -> response.sendString(reactor.core.publisher.Mono.just("ok")))
			.bindNow();
		try (ConfigurableApplicationContext context = start()) {
			ConnectionProvider provider = context.getBean(ConnectionProvider.class);
			assertThat(provider.name()).isEqualTo("fluxgate");
			assertThat(provider.maxConnections()).isEqualTo(100);
			context.getBean(WebClient.Builder.class)
				.build()
				.get()
				.uri("http://127.0.0.1:" + server.port() + "/")
				.retrieve()
				.bodyToMono(String.class)
				.block(Duration.ofSeconds(10));
			assertThat(registry.find("reactor.netty.connection.provider.max.connections").tag("name", "fluxgate")
				.gauge()).isNotNull()
				.satisfies((gauge) -> assertThat(gauge.value()).isEqualTo(100));
			assertThat(registry.find("reactor.netty.connection.provider.max.pending.connections")
				.tag("name", "fluxgate")
				.gauge()
				.value()).isEqualTo(200);
		}
		finally {
			server.disposeNow();
			Metrics.removeRegistry(registry);
		}
	}

}

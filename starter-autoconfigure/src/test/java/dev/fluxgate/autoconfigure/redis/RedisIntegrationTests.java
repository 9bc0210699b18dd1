package dev.fluxgate.autoconfigure.redis;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.fluxgate.test.FluxgateTestApplication;
import dev.fluxgate.test.LocalRedisServer;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.event.Event;
import io.lettuce.core.event.connection.ReconnectFailedEvent;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.resource.ClientResources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Lettuce limits against a real Redis of the test's own ({@link LocalRedisServer}), never the shared one: the server
 * is held up with {@code CLIENT PAUSE ... WRITE}, and outages are real, by stopping and restarting it.
 */
class RedisIntegrationTests {

	private final String key = "fluxgate-foundation:" + UUID.randomUUID();

	private LocalRedisServer server;

	private RedisClient admin;

	private StatefulRedisConnection<String, String> adminConnection;

	@BeforeEach
	void startServer() {
		this.server = LocalRedisServer.start();
		this.admin = RedisClient.create(RedisURI.create(this.server.host(), this.server.port()));
		this.adminConnection = this.admin.connect();
	}

	@AfterEach
	void stopServer() {
		this.adminConnection.close();
		this.admin.shutdown();
		this.server.close();
	}

	private void client(String... arguments) {
		CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8);
		for (String argument : arguments) {
			args.add(argument);
		}
		this.adminConnection.sync().dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8), args);
	}

	@Test
	void commandHeldByTheServerFailsWithinTheCommandTimeout() {
		try (ConfigurableApplicationContext context = start("spring.data.redis.timeout=500ms")) {
			ReactiveStringRedisTemplate redis = context.getBean(ReactiveStringRedisTemplate.class);
			redis.opsForValue().set(this.key, "0").block(Duration.ofSeconds(10));
			// Paused far longer than the 500 ms timeout, so the bound below tells the two apart even on a busy
			// machine (a held command would end only with the pause, and then succeed).
			client("PAUSE", "20000", "WRITE");
			long start = System.nanoTime();
			assertThatThrownBy(() -> redis.opsForValue().increment(this.key).block(Duration.ofSeconds(30)))
				.hasRootCauseInstanceOf(RedisCommandTimeoutException.class);
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(400),
					Duration.ofSeconds(15));
		}
	}

	@Test
	void requestQueueIsBounded() {
		try (ConfigurableApplicationContext context = start("fluxgate.redis.request-queue-size=5",
				"spring.data.redis.timeout=3s")) {
			ReactiveStringRedisTemplate redis = context.getBean(ReactiveStringRedisTemplate.class);
			redis.opsForValue().set(this.key, "0").block(Duration.ofSeconds(10));
			client("PAUSE", "2000", "WRITE");
			long start = System.nanoTime();
			List<String> outcomes = Flux.range(0, 30)
				.flatMap((i) -> redis.opsForValue()
					.increment(this.key)
					.map((value) -> "ok")
					.onErrorResume((ex) -> Mono.just(String.valueOf(NestedExceptionUtils.getMostSpecificCause(ex).getMessage()))), 30)
				.take(25)
				.collectList()
				.block(Duration.ofSeconds(30));
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1500));
			assertThat(outcomes).hasSize(25).allSatisfy((outcome) -> assertThat(outcome).contains("size exceeded: 5"));
		}
	}

	@Test
	void commandsFailAtOnceWhileDisconnected() throws Exception {
		try (ConfigurableApplicationContext context = start("spring.data.redis.timeout=5s")) {
			ReactiveStringRedisTemplate redis = context.getBean(ReactiveStringRedisTemplate.class);
			assertThat(redis.opsForValue().set(this.key, "1").block(Duration.ofSeconds(10))).isTrue();
			this.server.stop();
			Thread.sleep(300);
			long start = System.nanoTime();
			assertThatThrownBy(() -> redis.opsForValue().get(this.key).block(Duration.ofSeconds(30)))
				.hasStackTraceContaining("rejected");
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
		}
	}

	/**
	 * Redis comes back after Lettuce's 13th failed reconnect attempt: Lettuce's own backoff would make the next
	 * attempt 8 s later (1 ms doubling per attempt, up to 30 s); with the bounded delay commands succeed within a
	 * second or two.
	 */
	@Test
	void redisThatComesBackIsUsedAgainWithinTheReconnectBound() throws Exception {
		try (ConfigurableApplicationContext context = start()) {
			ReactiveStringRedisTemplate redis = context.getBean(ReactiveStringRedisTemplate.class);
			assertThat(redis.opsForValue().set(this.key, "1").block(Duration.ofSeconds(10))).isTrue();
			Mono<Event> thirteenthFailure = context.getBean(ClientResources.class)
				.eventBus()
				.get()
				.filter((event) -> event instanceof ReconnectFailedEvent failed && failed.getAttempt() >= 13)
				.next()
				.cache();
			thirteenthFailure.subscribe();
			this.server.stop();
			thirteenthFailure.block(Duration.ofSeconds(60));
			assertThat(succeeds(redis)).isFalse();

			this.server.restart();
			long back = System.nanoTime();
			while (!succeeds(redis) && System.nanoTime() - back < TimeUnit.SECONDS.toNanos(20)) {
				Thread.sleep(100);
			}
			Duration unused = Duration.ofNanos(System.nanoTime() - back);
			assertThat(succeeds(redis)).isTrue();
			assertThat(unused).as("time Redis was back but unused").isLessThan(Duration.ofSeconds(4));
		}
	}

	private boolean succeeds(ReactiveStringRedisTemplate redis) {
		return Boolean.TRUE.equals(redis.opsForValue().set(this.key, "back").onErrorReturn(false)
			.block(Duration.ofSeconds(5)));
	}

	@Test
	void defaultsBoundTheClient() {
		try (ConfigurableApplicationContext context = start()) {
			LettuceConnectionFactory factory = context.getBean(LettuceConnectionFactory.class);
			ClientOptions options = factory.getClientConfiguration().getClientOptions().orElseThrow();
			assertThat(options.getRequestQueueSize()).isEqualTo(10_000);
			assertThat(options.getDisconnectedBehavior()).isEqualTo(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
			assertThat(factory.getClientConfiguration().getCommandTimeout()).isEqualTo(Duration.ofSeconds(2));
			assertThat(options.getSocketOptions().getConnectTimeout()).isEqualTo(Duration.ofSeconds(2));
			ClientResources resources = context.getBean(ClientResources.class);
			assertThat(resources.reconnectDelay().createDelay(30)).isEqualTo(Duration.ofSeconds(1));
		}
	}

	@Test
	void disabledFluxgateLeavesLettuceUnbounded() {
		try (ConfigurableApplicationContext context = start("fluxgate.enabled=false")) {
			LettuceConnectionFactory factory = context.getBean(LettuceConnectionFactory.class);
			ClientOptions options = factory.getClientConfiguration().getClientOptions().orElseThrow();
			assertThat(options.getRequestQueueSize()).isEqualTo(Integer.MAX_VALUE);
			assertThat(factory.getClientConfiguration().getCommandTimeout()).isEqualTo(Duration.ofSeconds(60));
			assertThat(context.getBean(ClientResources.class).reconnectDelay().createDelay(30))
				.isEqualTo(Duration.ofSeconds(30));
		}
	}

	private ConfigurableApplicationContext start(String... properties) {
		return new SpringApplicationBuilder(FluxgateTestApplication.class).web(WebApplicationType.NONE)
			.properties("spring.autoconfigure.exclude=org.springframework.boot.r2dbc.autoconfigure.R2dbcAutoConfiguration")
			.properties(this.server.properties())
			.properties(properties)
			.run();
	}

}

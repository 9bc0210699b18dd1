package dev.fluxgate.server;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import dev.fluxgate.limit.ConcurrencyLimit;
import dev.fluxgate.limit.GradientLimit;
import dev.fluxgate.limit.GradientLimitSettings;
import dev.fluxgate.limit.Outcome;
import dev.fluxgate.overload.OverloadExceptionHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.server.WebHandler;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The adaptive limit on a real loopback server whose latency the test controls: the limit falls when latency rises
 * and recovers when it falls. Windows are 100 ms so the whole run takes a few seconds; assertions compare phases
 * with each other (latency differs 40-fold between them), not absolute values, and each phase runs until the limit
 * has moved (bounded), so a busy machine slows the test down instead of failing it.
 */
class AdaptiveSheddingLoopbackTests {

	private static final int CEILING = 40;

	private static final Duration PHASE_BOUND = Duration.ofSeconds(20);

	private final AtomicLong latencyMs = new AtomicLong(5);

	private DisposableServer server;

	private ConnectionProvider connections;

	@AfterEach
	void stop() {
		if (this.server != null) {
			this.server.disposeNow();
		}
		if (this.connections != null) {
			this.connections.disposeLater().block(Duration.ofSeconds(5));
		}
	}

	@Test
	void limitFallsWhenLatencyRisesAndRecoversWhenItFalls() {
		// The limit's baseline is the fastest warm-up window: warm the JIT first, or cold-start latency becomes it.
		DelegatingLimit limit = new DelegatingLimit(newLimit());
		LoadShedder shedder = new LoadShedder("server", limit, false, null);
		WebHandler handler = (exchange) -> Mono.delay(Duration.ofMillis(this.latencyMs.get())).then();
		HttpHandler httpHandler = WebHttpHandlerBuilder.webHandler(handler)
			.filter(new LoadSheddingWebFilter(shedder, Duration.ofSeconds(1), List.of()))
			.exceptionHandler(new OverloadExceptionHandler(ServerCodecConfigurer.create()))
			.build();
		this.server = HttpServer.create().host("127.0.0.1").port(0)
			.handle(new ReactorHttpHandlerAdapter(httpHandler))
			.bindNow();
		this.connections = ConnectionProvider.create("adaptive-test", CEILING + 10);
		HttpClient client = HttpClient.create(this.connections).baseUrl("http://127.0.0.1:" + this.server.port());
		load(client, Duration.ofMillis(1500), Duration.ofMillis(1500), () -> true);
		limit.delegate = newLimit();

		// Each phase lasts until the limit has moved, within a generous bound: a busy CPU adds latency noise and
		// slows the windows down, so fixed phase lengths would fail there; on an idle machine phases end early.
		// At least 1.5 s at low latency first: the warm-up windows set the baseline the later phases are compared with.
		load(client, Duration.ofMillis(1500), PHASE_BOUND, () -> limit.current() >= CEILING * 3 / 4);
		int fast = limit.current();
		this.latencyMs.set(200);
		load(client, Duration.ZERO, PHASE_BOUND, () -> limit.current() < fast / 2);
		int slow = limit.current();
		this.latencyMs.set(5);
		load(client, Duration.ZERO, PHASE_BOUND, () -> limit.current() > slow * 2);
		int recovered = limit.current();

		assertThat(fast).as("limit at low latency").isGreaterThanOrEqualTo(CEILING * 3 / 4);
		assertThat(slow).as("limit after latency rose (fast %d)", fast).isLessThan(fast / 2);
		assertThat(recovered).as("limit after latency fell (slow %d)", slow).isGreaterThan(slow * 2);
		await().atMost(Duration.ofSeconds(5)).until(() -> shedder.snapshot().inFlight() == 0);
	}

	private static GradientLimit newLimit() {
		return new GradientLimit(new GradientLimitSettings(CEILING, 4, CEILING, 1.5, 0.2, 0.9, 0.01,
				Duration.ofMillis(100), 10, 100, 3));
	}

	/**
	 * {@value #CEILING} clients in closed loops for at least {@code min}, then until {@code done} or {@code max} is
	 * over; a shed client backs off briefly, as Retry-After asks.
	 */
	private void load(HttpClient client, Duration min, Duration max, BooleanSupplier done) {
		long start = System.nanoTime();
		BooleanSupplier more = () -> {
			long elapsed = System.nanoTime() - start;
			return elapsed < min.toNanos() || (elapsed < max.toNanos() && !done.getAsBoolean());
		};
		Flux.range(0, CEILING)
			.flatMap((i) -> client.get()
				.uri("/")
				.responseSingle((response, body) -> body.then(Mono.just(response.status().code())))
				.flatMap((status) -> (status == 503) ? Mono.delay(Duration.ofMillis(20)).then() : Mono.<Void>empty())
				.onErrorResume((ex) -> Mono.empty())
				.repeat(more)
				.then(), CEILING)
			.blockLast(max.plusSeconds(30));
	}

	static final class DelegatingLimit implements ConcurrencyLimit {

		volatile ConcurrencyLimit delegate;

		DelegatingLimit(ConcurrencyLimit delegate) {
			this.delegate = delegate;
		}

		@Override
		public int current() {
			return this.delegate.current();
		}

		@Override
		public void onSample(long rttNanos, int inFlightAtStart, Outcome outcome) {
			this.delegate.onSample(rttNanos, inFlightAtStart, outcome);
		}

	}

}

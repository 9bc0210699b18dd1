package dev.fluxgate.deadline;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import dev.fluxgate.overload.DeadlineExceededException;
import dev.fluxgate.overload.OverloadExceptionHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.test.scheduler.VirtualTimeScheduler;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseCookie;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilterChain;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The deadline against a handler that commits at the same moment, with both orders forced by latches and a virtual
 * clock: the handler commits from its own thread (as offloaded handlers do) while the timer fires on the test's.
 * The response is Spring's own {@code AbstractServerHttpResponse} (the mock's), with its commit states, and a 504 is
 * rendered by the overload handler as in a running server.
 */
class RequestDeadlineWebFilterTests {

	private static final String HEADER = "X-Request-Timeout-Ms";

	private static final String BODY = "x".repeat(4096);

	private static final OverloadExceptionHandler overloadHandler = new OverloadExceptionHandler(
			ServerCodecConfigurer.create());

	private final VirtualTimeScheduler clock = VirtualTimeScheduler.create();

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final ExecutorService handlerThread = Executors.newSingleThreadExecutor();

	private final CountDownLatch handlerReady = new CountDownLatch(1);

	private final CountDownLatch proceed = new CountDownLatch(1);

	private final CountDownLatch handlerDone = new CountDownLatch(1);

	@AfterEach
	void stop() {
		this.proceed.countDown();
		this.handlerThread.shutdownNow();
		this.clock.dispose();
	}

	@Test
	void responseWhoseCommitHasBegunWhenTheDeadlineFiresIsCompleted() throws Exception {
		MockServerWebExchange exchange = get();
		WebFilterChain handler = (ex) -> {
			ServerHttpResponse response = ex.getResponse();
			response.setStatusCode(HttpStatus.OK);
			response.getHeaders().setContentType(MediaType.TEXT_PLAIN);
			// Pauses the handler's thread inside the real response's commit, as a busy thread would.
			response.beforeCommit(() -> Mono.fromRunnable(this::pause));
			return response.writeWith(Mono.fromCallable(() -> buffer(response, BODY)))
				.subscribeOn(Schedulers.fromExecutorService(this.handlerThread));
		};
		Served served = serve(exchange, handler);
		assertThat(this.handlerReady.await(10, TimeUnit.SECONDS)).isTrue();

		this.clock.advanceTimeBy(Duration.ofSeconds(1));
		this.proceed.countDown();

		served.awaitCompletion();
		assertThat(served.error()).as("the request's outcome").isNull();
		assertComplete200(exchange.getResponse());
		assertThat(exceeded("server")).isZero();
	}

	@Test
	void deadlineThatFiresFirstAnswersA504ThatNothingOfTheHandlerLeaksInto() throws Exception {
		MockServerWebExchange exchange = get();
		expireWhileTheHandlerWaits(exchange, (ex) -> {
			ServerHttpResponse response = ex.getResponse();
			response.setStatusCode(HttpStatus.OK);
			response.getHeaders().setContentType(MediaType.TEXT_PLAIN);
			response.getHeaders().setContentLength(BODY.length());
			response.getHeaders().set("X-Handler", "late");
			response.addCookie(ResponseCookie.from("session", "late").build());
		}, (ex) -> {
			ServerHttpResponse response = ex.getResponse();
			response.writeWith(Mono.fromCallable(() -> buffer(response, BODY))).subscribe();
		});
		assertComplete504(exchange.getResponse());
		assertThat(exceeded("server")).isEqualTo(1);
	}

	@Test
	void conditionalCheckWithValidatorsStartsTheResponse() throws Exception {
		MockServerWebExchange exchange = MockServerWebExchange
			.from(MockServerHttpRequest.get("/work").ifNoneMatch("\"v1\""));
		WebFilterChain handler = (ex) -> {
			boolean notModified = ex.checkNotModified("\"v1\"");
			assertThat(notModified).isTrue();
			// The 304 is decided; the handler is slow to finish it.
			return Mono.fromRunnable(this::pause)
				.subscribeOn(Schedulers.fromExecutorService(this.handlerThread))
				.then(ex.getResponse().setComplete());
		};
		Served served = serve(exchange, handler);
		assertThat(this.handlerReady.await(10, TimeUnit.SECONDS)).isTrue();

		this.clock.advanceTimeBy(Duration.ofSeconds(1));
		this.proceed.countDown();

		served.awaitCompletion();
		assertThat(served.error()).isNull();
		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.NOT_MODIFIED);
		assertThat(exchange.getResponse().getHeaders().getETag()).isEqualTo("\"v1\"");
	}

	@Test
	void conditionalCheckAfterExpiryLeavesThe504Alone() throws Exception {
		MockServerWebExchange exchange = MockServerWebExchange
			.from(MockServerHttpRequest.get("/work").ifNoneMatch("\"v1\""));
		AtomicReference<Boolean> notModified = new AtomicReference<>();
		expireWhileTheHandlerWaits(exchange, (ex) -> {
		}, (ex) -> {
			notModified.set(ex.checkNotModified("\"v1\""));
			ex.getResponse().setComplete().subscribe();
		});
		assertThat(notModified.get()).isFalse();
		assertComplete504(exchange.getResponse());
	}

	@Test
	void conditionalCheckWithoutValidatorsLeavesTheDeadlineRunning() {
		MockServerWebExchange exchange = get();
		// What functional endpoints do for every GET before writing their body.
		WebFilterChain handler = (ex) -> {
			assertThat(ex.checkNotModified(null, Instant.ofEpochMilli(-1))).isFalse();
			return ex.getResponse().writeWith(Flux.never());
		};
		Served served = serve(exchange, handler);
		this.clock.advanceTimeBy(Duration.ofSeconds(1));
		served.awaitCompletion();
		assertComplete504(exchange.getResponse());
	}

	@Test
	void bodyStillWaitingForItsFirstBufferIsBoundedByTheDeadline() {
		MockServerWebExchange exchange = get();
		Sinks.Many<DataBuffer> rows = Sinks.many().unicast().onBackpressureBuffer();
		Served served = serve(exchange, (ex) -> ex.getResponse().writeWith(rows.asFlux()));
		this.clock.advanceTimeBy(Duration.ofSeconds(1));
		served.awaitCompletion();
		assertComplete504(exchange.getResponse());
		assertThat(rows.currentSubscriberCount()).as("the body's source was cancelled").isZero();
	}

	@Test
	void bodyThatHasStartedIsNotCutOffByTheDeadline() {
		MockServerWebExchange exchange = get();
		Sinks.Many<DataBuffer> rows = Sinks.many().unicast().onBackpressureBuffer();
		Served served = serve(exchange, (ex) -> {
			ex.getResponse().getHeaders().setContentType(MediaType.TEXT_PLAIN);
			return ex.getResponse().writeWith(rows.asFlux());
		});
		ServerHttpResponse response = exchange.getResponse();
		rows.tryEmitNext(buffer(response, BODY.substring(0, 100)));
		this.clock.advanceTimeBy(Duration.ofSeconds(1));
		rows.tryEmitNext(buffer(response, BODY.substring(100)));
		rows.tryEmitComplete();

		served.awaitCompletion();
		assertThat(served.error()).isNull();
		assertThat(exchange.getResponse().getBodyAsString().block(Duration.ofSeconds(5))).isEqualTo(BODY);
		assertThat(exceeded("server")).isZero();
	}

	@Test
	void responseWithoutBodyKeepsTheHandlersStatusHeadersAndCookies() {
		MockServerWebExchange exchange = get();
		exchange.getResponse().getHeaders().set("X-Outer", "set before the deadline filter");
		Served served = serve(exchange, (ex) -> Mono.fromRunnable(() -> {
			ex.getResponse().setStatusCode(HttpStatus.CREATED);
			ex.getResponse().getHeaders().set("X-Handler", "yes");
			ex.getResponse().addCookie(ResponseCookie.from("session", "s1").build());
		}));
		served.awaitCompletion();
		MockServerHttpResponse response = exchange.getResponse();
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.CREATED);
		assertThat(response.getHeaders().getFirst("X-Handler")).isEqualTo("yes");
		assertThat(response.getHeaders().getFirst("X-Outer")).isEqualTo("set before the deadline filter");
		assertThat(response.getCookies().getFirst("session").getValue()).isEqualTo("s1");
	}

	@Test
	void handlerErrorReachesTheErrorHandlersWithTheHandlersHeaders() {
		MockServerWebExchange exchange = get();
		Served served = serve(exchange, (ex) -> {
			ex.getResponse().getHeaders().set("X-Handler", "yes");
			return Mono.error(new IllegalStateException("boom"));
		});
		served.awaitCompletion();
		assertThat(served.error()).isInstanceOf(IllegalStateException.class);
		assertThat(exchange.getResponse().getHeaders().getFirst("X-Handler")).isEqualTo("yes");
	}

	@Test
	void handlersCommitActionsRunOnItsResponseButNotOnThe504() {
		MockServerWebExchange served = get();
		serve(served, (ex) -> {
			ex.getResponse().beforeCommit(() -> Mono.fromRunnable(() -> ex.getResponse().getHeaders().set("X-Action", "ran")));
			return ex.getResponse().writeWith(Mono.fromCallable(() -> buffer(ex.getResponse(), BODY)));
		}).awaitCompletion();
		assertThat(served.getResponse().getHeaders().getFirst("X-Action")).isEqualTo("ran");

		MockServerWebExchange expired = get();
		Served late = serve(expired, (ex) -> {
			ex.getResponse().beforeCommit(() -> Mono.fromRunnable(() -> ex.getResponse().getHeaders().set("X-Action", "ran")));
			return Mono.never();
		});
		this.clock.advanceTimeBy(Duration.ofSeconds(1));
		late.awaitCompletion();
		assertComplete504(expired.getResponse());
	}

	@Test
	void smallestValueWinsAcrossRepeatedHeadersAndLists() {
		assertExpiresAfter(Duration.ofMillis(100), "caller", HEADER, "5000", "100");
		assertExpiresAfter(Duration.ofMillis(100), "caller", HEADER, "5000, 100");
		assertExpiresAfter(Duration.ofMillis(100), "caller", HEADER, " 300 ,100,,", "700");
		assertExpiresAfter(Duration.ofMillis(200), "caller", HEADER, "soon, 200, 12ms", "99999999999999999999999");
		assertExpiresAfter(Duration.ofSeconds(10), "server", HEADER, "soon", "");
		assertExpiresAfter(Duration.ofSeconds(10), "server", HEADER, "20000");
	}

	@Test
	void smallestEnvoyValueWinsToo() {
		assertExpiresAfter(Duration.ofMillis(50), "caller", RequestDeadlineWebFilter.ENVOY_HEADER, "300, 50");
		assertExpiresAfter(Duration.ofMillis(70), "caller", RequestDeadlineWebFilter.ENVOY_HEADER, "300", "x", "70");
	}

	@Test
	void anExpiredValueAmongOthersRejectsOnArrival() {
		MockServerWebExchange exchange = MockServerWebExchange
			.from(MockServerHttpRequest.get("/work").header(HEADER, "5000, -1", "100"));
		Served served = serve(exchange, (ex) -> Mono.error(new AssertionError("the handler must not run")));
		served.awaitCompletion();
		assertComplete504(exchange.getResponse());
		assertThat(this.meters.get("fluxgate.server.deadline.exceeded").tags("phase", "arrival", "origin", "caller")
			.counter()
			.count()).isEqualTo(1);
	}

	private void assertExpiresAfter(Duration expected, String origin, String header, String... values) {
		RequestDeadlineWebFilter filter = new RequestDeadlineWebFilter(
				new DeadlineSettings(Duration.ofSeconds(10), HEADER, true, List.of()), this.meters,
				new RequestTimers(this.clock));
		double before = exceeded(origin);
		MockServerWebExchange exchange = MockServerWebExchange
			.from(MockServerHttpRequest.get("/work").header(header, values));
		Served served = new Served(filter, exchange, (ex) -> Mono.never());
		this.clock.advanceTimeBy(expected.minusMillis(1));
		assertThat(served.isDone()).as("%s %s expired before %s", header, List.of(values), expected).isFalse();
		this.clock.advanceTimeBy(Duration.ofMillis(1));
		served.awaitCompletion();
		assertThat(served.error()).as("%s %s", header, List.of(values)).isNull();
		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.GATEWAY_TIMEOUT);
		assertThat(exceeded(origin)).as("origin of %s %s", header, List.of(values)).isEqualTo(before + 1);
	}

	private MockServerWebExchange get() {
		return MockServerWebExchange.from(MockServerHttpRequest.get("/work"));
	}

	private Served serve(MockServerWebExchange exchange, WebFilterChain handler) {
		RequestDeadlineWebFilter filter = new RequestDeadlineWebFilter(
				new DeadlineSettings(Duration.ofMillis(500), HEADER, false, List.of()), this.meters,
				new RequestTimers(this.clock));
		return new Served(filter, exchange, handler);
	}

	/**
	 * Runs a handler on its own thread that does {@code before}, waits while the deadline fires and the 504 is
	 * written, then does {@code after}: result handling that does not notice the cancellation, as when an offloaded
	 * method returns at the deadline.
	 */
	private void expireWhileTheHandlerWaits(MockServerWebExchange exchange, Consumer<ServerWebExchange> before,
			Consumer<ServerWebExchange> after) throws InterruptedException {
		WebFilterChain handler = (ex) -> Mono.<Void>fromRunnable(() -> {
			before.accept(ex);
			pause();
			after.accept(ex);
			this.handlerDone.countDown();
		}).subscribeOn(Schedulers.fromExecutorService(this.handlerThread));
		Served served = serve(exchange, handler);
		assertThat(this.handlerReady.await(10, TimeUnit.SECONDS)).isTrue();
		this.clock.advanceTimeBy(Duration.ofSeconds(1));
		served.awaitCompletion();
		this.proceed.countDown();
		assertThat(this.handlerDone.await(10, TimeUnit.SECONDS)).isTrue();
	}

	private void pause() {
		this.handlerReady.countDown();
		try {
			this.proceed.await(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private double exceeded(String origin) {
		return this.meters.get("fluxgate.server.deadline.exceeded")
			.tags("phase", "processing", "origin", origin)
			.counter()
			.count();
	}

	private static DataBuffer buffer(ServerHttpResponse response, String text) {
		return response.bufferFactory().wrap(text.getBytes(StandardCharsets.UTF_8));
	}

	private static void assertComplete200(MockServerHttpResponse response) {
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.TEXT_PLAIN);
		assertThat(response.getBodyAsString().block(Duration.ofSeconds(5))).isEqualTo(BODY);
	}

	private static void assertComplete504(MockServerHttpResponse response) {
		assertThat(response.isCommitted()).isTrue();
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.GATEWAY_TIMEOUT);
		HttpHeaders headers = response.getHeaders();
		assertThat(headers.getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		String body = response.getBodyAsString().block(Duration.ofSeconds(5));
		assertThat(body).contains("\"reason\":\"deadline-exceeded\"");
		assertThat(headers.getContentLength()).isEqualTo(body.getBytes(StandardCharsets.UTF_8).length);
		assertThat(headers.headerNames()).as("nothing of the handler's response")
			.containsOnly(HttpHeaders.CONTENT_TYPE, HttpHeaders.CONTENT_LENGTH);
		assertThat(response.getCookies()).isEmpty();
	}

	/**
	 * One request through the filter, the overload handler and the final commit, as {@code HttpWebHandlerAdapter}
	 * runs them.
	 */
	private static final class Served {

		private final CountDownLatch done = new CountDownLatch(1);

		private final AtomicReference<Throwable> error = new AtomicReference<>();

		Served(RequestDeadlineWebFilter filter, ServerWebExchange exchange, WebFilterChain handler) {
			filter.filter(exchange, handler)
				.onErrorResume((ex) -> overloadHandler.handle(exchange, ex))
				.then(Mono.defer(exchange.getResponse()::setComplete))
				.subscribe(null, (ex) -> {
					this.error.set(ex);
					this.done.countDown();
				}, this.done::countDown);
		}

		boolean isDone() {
			return this.done.getCount() == 0;
		}

		void awaitCompletion() {
			try {
				assertThat(this.done.await(10, TimeUnit.SECONDS)).as("request completed").isTrue();
			}
			catch (InterruptedException ex) {
				throw new IllegalStateException(ex);
			}
		}

		Throwable error() {
			return this.error.get();
		}

	}

}

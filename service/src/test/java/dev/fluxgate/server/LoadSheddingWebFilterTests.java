package dev.fluxgate.server;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import dev.fluxgate.deadline.DeadlineSettings;
import dev.fluxgate.deadline.RequestDeadlineWebFilter;
import dev.fluxgate.limit.ConcurrencyLimit;
import dev.fluxgate.limit.Outcome;
import dev.fluxgate.overload.CapacityExceededException;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebHandler;
import org.springframework.web.server.handler.DefaultWebFilterChain;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shedding filter's accounting, driven through the real filter chain (deadline, then shedding) with in-memory
 * exchanges, so thousands of requests with every way of ending run in a second.
 */
class LoadSheddingWebFilterTests {

	private static final Duration RETRY_AFTER = Duration.ofSeconds(1);

	@Test
	void tenThousandRequestsWithRandomEndingsLeaveNothingInFlight() {
		RecordingLimit limit = new RecordingLimit(16);
		LoadShedder shedder = new LoadShedder("server", limit, false, null);
		WebHandler handler = (exchange) -> switch (ThreadLocalRandom.current().nextInt(6)) {
			case 0 -> Mono.empty();
			case 1 -> Mono.delay(Duration.ofMillis(ThreadLocalRandom.current().nextInt(5))).then();
			case 2 -> Mono.never();
			case 3 -> Mono.error(new IllegalStateException("boom"));
			case 4 -> Mono.error(new ResponseStatusException(HttpStatus.BAD_REQUEST));
			default -> Mono.fromRunnable(() -> exchange.getResponse().setStatusCode(HttpStatus.SERVICE_UNAVAILABLE));
		};
		DefaultWebFilterChain chain = chain(handler, shedder, Duration.ofMillis(30));
		AtomicLong shed = new AtomicLong();
		Flux.range(0, 10_000).flatMap((i) -> {
			Mono<Void> request = chain.filter(exchange("/work"))
				.doOnError(CapacityExceededException.class, (ex) -> shed.incrementAndGet())
				.onErrorResume((ex) -> Mono.empty());
			// A fifth of the clients go away after up to 10 ms.
			return (ThreadLocalRandom.current().nextInt(5) == 0)
					? request.timeout(Duration.ofMillis(ThreadLocalRandom.current().nextInt(1, 10)), Mono.empty())
					: request;
		}, 256).blockLast(Duration.ofSeconds(60));

		assertThat(shedder.snapshot().inFlight()).isZero();
		assertThat(shed.get()).as("some requests were shed").isPositive();
		assertThat(shedder.snapshot().admitted() + shedder.snapshot().rejectedTotal()).isEqualTo(10_000);
		assertThat(shedder.snapshot().rejected()).containsOnlyKeys("shed");
		// Every admitted request gave its permit back exactly once.
		long samples = limit.outcomes.values().stream().mapToLong(AtomicLong::get).sum();
		assertThat(samples).isEqualTo(shedder.snapshot().admitted());
		assertThat(limit.outcomes).containsKeys(Outcome.SUCCESS, Outcome.DROPPED, Outcome.IGNORED);
	}

	@Test
	void outcomesFedToTheLimitFollowTheResponse() {
		assertThat(outcomeOf((exchange) -> Mono.empty())).isEqualTo(Outcome.SUCCESS);
		assertThat(outcomeOf((exchange) -> Mono
			.fromRunnable(() -> exchange.getResponse().setStatusCode(HttpStatus.INTERNAL_SERVER_ERROR))))
			.isEqualTo(Outcome.DROPPED);
		assertThat(outcomeOf((exchange) -> Mono.error(new IllegalStateException("boom")))).isEqualTo(Outcome.DROPPED);
		assertThat(outcomeOf((exchange) -> Mono.error(new ResponseStatusException(HttpStatus.NOT_FOUND))))
			.isEqualTo(Outcome.IGNORED);
		assertThat(outcomeOf((exchange) -> Mono.error(new CapacityExceededException("bulkhead-full", "full",
				RETRY_AFTER)))).as("a downstream rejection").isEqualTo(Outcome.DROPPED);
		assertThat(outcomeOf((exchange) -> Mono.never())).as("cut off by the deadline").isEqualTo(Outcome.DROPPED);
	}

	@Test
	void aClientThatGoesAwayIsIgnored() {
		RecordingLimit limit = new RecordingLimit(10);
		LoadShedder shedder = new LoadShedder("server", limit, false, null);
		chain((exchange) -> Mono.never(), shedder, Duration.ofSeconds(30)).filter(exchange("/work"))
			.timeout(Duration.ofMillis(20), Mono.empty())
			.block(Duration.ofSeconds(5));
		assertThat(limit.outcomes).containsOnlyKeys(Outcome.IGNORED);
		assertThat(shedder.snapshot().inFlight()).isZero();
	}

	@Test
	void atTheLimitRequestsAreShedWith503AndRetryAfterButActuatorAndStreamsAreNot() {
		LoadShedder shedder = new LoadShedder("server", ConcurrencyLimit.fixed(1), false, null);
		Sinks.Empty<Void> release = Sinks.empty();
		DefaultWebFilterChain chain = chain((exchange) -> release.asMono(), shedder, Duration.ofSeconds(30));
		chain.filter(exchange("/work")).subscribe();
		assertThat(shedder.snapshot().inFlight()).isEqualTo(1);

		Throwable rejection = chain.filter(exchange("/work")).then(Mono.<Throwable>empty())
			.onErrorResume(Mono::just)
			.block(Duration.ofSeconds(5));
		assertThat(rejection).isInstanceOf(CapacityExceededException.class);
		CapacityExceededException shed = (CapacityExceededException) rejection;
		assertThat(shed.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
		assertThat(shed.getReason()).isEqualTo("shed");
		assertThat(shed.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("1");

		DefaultWebFilterChain quick = chain((exchange) -> Mono.empty(), shedder, Duration.ofSeconds(30));
		quick.filter(exchange("/actuator/health")).block(Duration.ofSeconds(5));
		quick.filter(exchange("/livez")).block(Duration.ofSeconds(5));
		MockServerWebExchange stream = MockServerWebExchange
			.from(MockServerHttpRequest.get("/events").accept(MediaType.TEXT_EVENT_STREAM));
		quick.filter(stream).block(Duration.ofSeconds(5));
		assertThat(shedder.snapshot().rejected()).containsEntry("shed", 1L);

		release.tryEmitEmpty();
		assertThat(shedder.snapshot().inFlight()).isZero();
	}

	@Test
	void shadowModeAdmitsEverythingAndCountsWhatItWouldHaveShed() {
		LoadShedder shedder = new LoadShedder("server", ConcurrencyLimit.fixed(1), true, null);
		Sinks.Empty<Void> release = Sinks.empty();
		DefaultWebFilterChain chain = chain((exchange) -> release.asMono(), shedder, Duration.ofSeconds(30));
		chain.filter(exchange("/work")).subscribe();
		chain.filter(exchange("/work")).subscribe();
		assertThat(shedder.snapshot().inFlight()).isEqualTo(2);
		assertThat(shedder.shadowRejectedCount()).isEqualTo(1);
		assertThat(shedder.snapshot().rejectedTotal()).isZero();
		release.tryEmitEmpty();
		assertThat(shedder.snapshot().inFlight()).isZero();
	}

	private Outcome outcomeOf(WebHandler handler) {
		RecordingLimit limit = new RecordingLimit(10);
		LoadShedder shedder = new LoadShedder("server", limit, false, null);
		chain(handler, shedder, Duration.ofMillis(50)).filter(exchange("/work"))
			.onErrorResume((ex) -> Mono.empty())
			.block(Duration.ofSeconds(5));
		assertThat(limit.outcomes).hasSize(1);
		return limit.outcomes.keySet().iterator().next();
	}

	private static DefaultWebFilterChain chain(WebHandler handler, LoadShedder shedder, Duration timeout) {
		List<String> excluded = List.of("/actuator/**", "/livez", "/readyz");
		RequestDeadlineWebFilter deadline = new RequestDeadlineWebFilter(
				new DeadlineSettings(timeout, "X-Request-Timeout-Ms", false, excluded), null);
		LoadSheddingWebFilter shedding = new LoadSheddingWebFilter(shedder, RETRY_AFTER, excluded);
		return new DefaultWebFilterChain(handler, List.of(deadline, shedding));
	}

	private static ServerWebExchange exchange(String path) {
		return MockServerWebExchange.from(MockServerHttpRequest.get(path));
	}

	static final class RecordingLimit implements ConcurrencyLimit {

		final Map<Outcome, AtomicLong> outcomes = new ConcurrentHashMap<>();

		private final int limit;

		RecordingLimit(int limit) {
			this.limit = limit;
		}

		@Override
		public int current() {
			return this.limit;
		}

		@Override
		public void onSample(long rttNanos, int inFlightAtStart, Outcome outcome) {
			this.outcomes.computeIfAbsent(outcome, (key) -> new AtomicLong()).incrementAndGet();
		}

	}

}

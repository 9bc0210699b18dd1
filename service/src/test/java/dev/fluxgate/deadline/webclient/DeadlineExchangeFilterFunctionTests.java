package dev.fluxgate.deadline.webclient;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import dev.fluxgate.deadline.Deadline;
import dev.fluxgate.overload.DeadlineExceededException;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFunction;

import static org.assertj.core.api.Assertions.assertThat;

class DeadlineExchangeFilterFunctionTests {

	private static final String HEADER = "X-Request-Timeout-Ms";

	private final AtomicReference<ClientRequest> sent = new AtomicReference<>();

	private final ClientRequest request = ClientRequest.create(HttpMethod.GET, URI.create("http://callee.test/x"))
		.build();

	@Test
	void leavesCallsOutsideARequestAlone() {
		DeadlineExchangeFilterFunction filter = new DeadlineExchangeFilterFunction(HEADER, Duration.ofMillis(50));
		filter.filter(this.request, answering()).block(Duration.ofSeconds(5));
		assertThat(this.sent.get().headers().containsHeader(HEADER)).isFalse();
	}

	@Test
	void forwardsTheRemainingBudgetLessTheMargin() {
		DeadlineExchangeFilterFunction filter = new DeadlineExchangeFilterFunction(HEADER, Duration.ofMillis(50));
		filter.filter(this.request, answering())
			.contextWrite(Deadline.after(Duration.ofMillis(500))::putIn)
			.block(Duration.ofSeconds(5));
		assertThat(Long.parseLong(this.sent.get().headers().getFirst(HEADER))).isBetween(1L, 450L);
	}

	@Test
	void doesNotForwardWhenForwardingIsOff() {
		DeadlineExchangeFilterFunction filter = new DeadlineExchangeFilterFunction(null, Duration.ofMillis(50));
		filter.filter(this.request, answering())
			.contextWrite(Deadline.after(Duration.ofMillis(500))::putIn)
			.block(Duration.ofSeconds(5));
		assertThat(this.sent.get().headers().containsHeader(HEADER)).isFalse();
	}

	@Test
	void cutsTheCallOffAtTheDeadlineWithA504() {
		DeadlineExchangeFilterFunction filter = new DeadlineExchangeFilterFunction(HEADER, Duration.ofMillis(50));
		ExchangeFunction hanging = (request) -> Mono.never();
		StepVerifier.create(filter.filter(this.request, hanging)
			.contextWrite(Deadline.after(Duration.ofMillis(200))::putIn))
			.expectError(DeadlineExceededException.class)
			.verify(Duration.ofSeconds(5));
	}

	@Test
	void makesNoCallWhenNoTimeIsLeft() {
		DeadlineExchangeFilterFunction filter = new DeadlineExchangeFilterFunction(HEADER, Duration.ofMillis(50));
		StepVerifier.create(filter.filter(this.request, answering())
			.contextWrite(Deadline.after(Duration.ofMillis(30))::putIn))
			.expectError(DeadlineExceededException.class)
			.verify(Duration.ofSeconds(5));
		assertThat(this.sent.get()).isNull();
	}

	private ExchangeFunction answering() {
		return (request) -> {
			this.sent.set(request);
			return Mono.just(ClientResponse.create(HttpStatus.OK).build());
		};
	}

}

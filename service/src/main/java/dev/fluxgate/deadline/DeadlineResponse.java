package dev.fluxgate.deadline;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ResponseCookie;
import org.springframework.http.ZeroCopyHttpOutputMessage;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.util.CollectionUtils;
import org.springframework.util.LinkedCaseInsensitiveMap;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;

/**
 * The response a handler sees while its request's deadline runs, and the referee between the two: the first of the
 * handler (starting its response) and the deadline (expiring) gets the real response, and the other never touches
 * it. A request therefore ends with either the handler's complete response or the deadline's complete 504, never a
 * 200 status line whose body was cut off, nor a 504 written over a response that had already started.
 * <p>
 * Until the handler starts its response, its status, headers and cookies are kept here, off the real response, so the
 * 504 finds the real response as it was when the request arrived, even while an offloaded handler is still setting
 * headers on another thread. The handler starts its response when the first buffer of its body is ready (not when it
 * hands over a body that may wait on a database: the deadline still bounds that wait), when it completes a response
 * without a body, when it streams ({@code writeAndFlushWith}, used for streaming media types, which the deadline
 * spares), when it writes a file, or when a conditional-request check writes validators or a 304. Its status, headers
 * and cookies are then copied to the real response, and from then on this decorator delegates.
 * <p>
 * Race-free by construction: {@link #state} leaves {@code RUNNING} exactly once, by compare-and-set, either to
 * {@code EXPIRED} (the timer, {@link #expire()}) or to {@code COMMITTING} (the handler, {@link #claim()}). Only the
 * winner touches the real response: after {@code EXPIRED} every write of the handler is dropped (its buffers
 * released) and never completes, and its commit actions are skipped; after {@code COMMITTING} the timer does nothing.
 * No lock: one volatile int per request.
 */
class DeadlineResponse extends ServerHttpResponseDecorator {

	private static final int RUNNING = 0;

	private static final int EXPIRED = 1;

	/** Claimed by the handler: its state is being copied to the real response. */
	private static final int COMMITTING = 2;

	/** The real response is the handler's: this decorator delegates. */
	private static final int HANDED_OVER = 3;

	private static final AtomicIntegerFieldUpdater<DeadlineResponse> STATE = AtomicIntegerFieldUpdater
		.newUpdater(DeadlineResponse.class, "state");

	private volatile int state;

	private @Nullable HttpStatusCode statusCode;

	private boolean statusCodeSet;

	/** The handler's headers, created on first use; starts as a copy of what outer filters had set. */
	private @Nullable HttpHeaders headers;

	/**
	 * The map behind {@link #headers}, kept to hand the headers over by iterating it: Spring Framework 7's
	 * {@code HttpHeaders.forEach} (behind {@code putAll(HttpHeaders)}) builds a case-insensitive entry set on every
	 * call, which was most of the cost of the hand-over on every request.
	 */
	private @Nullable MultiValueMap<String, String> headerValues;

	private @Nullable MultiValueMap<String, ResponseCookie> cookies;

	/** Whether {@link #headers} started as a copy, so the real headers are replaced rather than added to. */
	private final boolean replaceHeaders;

	private final boolean replaceCookies;

	DeadlineResponse(ServerHttpResponse response) {
		super(response);
		// Read once, here, before the handler runs: afterwards only the winner may touch the real response.
		this.statusCode = response.getStatusCode();
		HttpHeaders realHeaders = response.getHeaders();
		this.replaceHeaders = !realHeaders.isEmpty();
		if (this.replaceHeaders) {
			HttpHeaders own = ownHeaders();
			realHeaders.forEach((name, values) -> own.put(name, new ArrayList<>(values)));
		}
		MultiValueMap<String, ResponseCookie> realCookies = response.getCookies();
		this.replaceCookies = !realCookies.isEmpty();
		if (this.replaceCookies) {
			this.cookies = new LinkedMultiValueMap<>();
			this.cookies.addAll(realCookies);
		}
	}

	static DeadlineResponse of(ServerHttpResponse response) {
		return (response instanceof ZeroCopyHttpOutputMessage) ? new ZeroCopy(response) : new DeadlineResponse(response);
	}

	/**
	 * The deadline's move.
	 * @return whether the deadline got the response (the handler had not started it), so it may answer 504
	 */
	boolean expire() {
		return STATE.compareAndSet(this, RUNNING, EXPIRED);
	}

	/**
	 * The handler's move: it starts its response, completed or failed (then the error handlers write to the real
	 * response). Copies the handler's status, headers and cookies to the real response the first time.
	 * @return whether the response is the handler's; {@code false} when the deadline got it first
	 */
	boolean claim() {
		int current = this.state;
		if (current == RUNNING && STATE.compareAndSet(this, RUNNING, COMMITTING)) {
			handOver();
			this.state = HANDED_OVER;
			return true;
		}
		return this.state != EXPIRED;
	}

	private void handOver() {
		ServerHttpResponse real = getDelegate();
		if (this.statusCodeSet) {
			real.setStatusCode(this.statusCode);
		}
		MultiValueMap<String, String> values = this.headerValues;
		if (values != null) {
			HttpHeaders realHeaders = real.getHeaders();
			if (this.replaceHeaders) {
				realHeaders.clear();
			}
			realHeaders.putAll(values);
		}
		if (this.cookies != null) {
			MultiValueMap<String, ResponseCookie> realCookies = real.getCookies();
			if (this.replaceCookies) {
				realCookies.clear();
			}
			realCookies.addAll(this.cookies);
		}
	}

	private boolean handedOver() {
		return this.state == HANDED_OVER;
	}

	@Override
	public boolean setStatusCode(@Nullable HttpStatusCode status) {
		if (handedOver()) {
			return getDelegate().setStatusCode(status);
		}
		this.statusCode = status;
		this.statusCodeSet = true;
		return this.state != EXPIRED;
	}

	@Override
	public boolean setRawStatusCode(@Nullable Integer value) {
		return setStatusCode((value != null) ? HttpStatusCode.valueOf(value) : null);
	}

	@Override
	public @Nullable HttpStatusCode getStatusCode() {
		return handedOver() ? getDelegate().getStatusCode() : this.statusCode;
	}

	@Override
	public HttpHeaders getHeaders() {
		if (handedOver()) {
			return getDelegate().getHeaders();
		}
		return ownHeaders();
	}

	private HttpHeaders ownHeaders() {
		HttpHeaders own = this.headers;
		if (own == null) {
			MultiValueMap<String, String> values = CollectionUtils
				.toMultiValueMap(new LinkedCaseInsensitiveMap<>(8, Locale.ROOT));
			own = new HttpHeaders(values);
			this.headerValues = values;
			this.headers = own;
		}
		return own;
	}

	@Override
	public MultiValueMap<String, ResponseCookie> getCookies() {
		if (handedOver()) {
			return getDelegate().getCookies();
		}
		MultiValueMap<String, ResponseCookie> own = this.cookies;
		if (own == null) {
			own = new LinkedMultiValueMap<>();
			this.cookies = own;
		}
		return own;
	}

	@Override
	public void addCookie(ResponseCookie cookie) {
		if (handedOver()) {
			getDelegate().addCookie(cookie);
		}
		else {
			getCookies().add(cookie.getName(), cookie);
		}
	}

	/** Runs on the real response's commit, unless that commit is the deadline's 504. */
	@Override
	public void beforeCommit(Supplier<? extends Mono<Void>> action) {
		getDelegate().beforeCommit(() -> (this.state != EXPIRED) ? action.get() : Mono.empty());
	}

	@Override
	public boolean isCommitted() {
		int current = this.state;
		return current == EXPIRED || (current != RUNNING && getDelegate().isCommitted());
	}

	@Override
	public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
		if (handedOver()) {
			return getDelegate().writeWith(body);
		}
		if (body instanceof Mono<? extends DataBuffer> mono) {
			return mono.flatMap(this::writeFirst).doOnError(this::bodyFailed);
		}
		return Flux.from(body)
			.switchOnFirst((first, all) -> {
				if (first.isOnError()) {
					return Mono.error(first.getThrowable());
				}
				return claim() ? getDelegate().writeWith(all) : Mono.never();
			})
			.doOnDiscard(DataBuffer.class, DataBufferUtils::release)
			.doOnError(this::bodyFailed)
			.then();
	}

	private Mono<Void> writeFirst(DataBuffer buffer) {
		if (claim()) {
			return getDelegate().writeWith(Mono.just(buffer));
		}
		DataBufferUtils.release(buffer);
		return Mono.never();
	}

	/**
	 * A body that failed before the response started: as the real response does, so the error response does not
	 * inherit the failed body's length and type. Once handed over, the real response does it itself.
	 */
	private void bodyFailed(Throwable ex) {
		HttpHeaders own = this.headers;
		if (!handedOver() && own != null) {
			own.clearContentHeaders();
		}
	}

	/** Used for streaming media types only: a stream is spared by the deadline from its start. */
	@Override
	public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
		return claim() ? getDelegate().writeAndFlushWith(body) : Mono.never();
	}

	@Override
	public Mono<Void> setComplete() {
		return claim() ? getDelegate().setComplete() : Mono.never();
	}

	/**
	 * For a real response that can send a file without copying it (Reactor Netty's), so wrapping it keeps that.
	 */
	static final class ZeroCopy extends DeadlineResponse implements ZeroCopyHttpOutputMessage {

		ZeroCopy(ServerHttpResponse response) {
			super(response);
		}

		@Override
		public Mono<Void> writeWith(Path file, long position, long count) {
			return claim() ? ((ZeroCopyHttpOutputMessage) getDelegate()).writeWith(file, position, count)
					: Mono.never();
		}

	}

}

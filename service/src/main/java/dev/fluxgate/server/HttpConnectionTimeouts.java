package dev.fluxgate.server;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.NettyPipeline;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;

import org.springframework.http.HttpStatus;
import org.springframework.web.server.ResponseStatusException;

/**
 * Two bounds on HTTP/1.1 connections, kept by one handler per connection, right after the HTTP codec:
 * <ul>
 * <li><b>Idle timeout:</b> a connection with no request in progress (before its first request's headers are
 * complete, or after a response, until the next request's headers are) is closed after the idle timeout. Reactor
 * Netty's own idle timeout ({@link HttpServer#idleTimeout}) bounds the same time, but adds a handler to the pipeline
 * after every response and removes it at the next request, each with a timer: about 3 % of the CPU of a trivial
 * request. Here the timer runs once per idle timeout per connection, and a request costs a clock read.</li>
 * <li><b>Request read timeout:</b> the total time to receive a request's body. Reactor Netty's read timeout bounds
 * each pause, not the total, so a client sending a byte every few seconds never trips it; and its request timeout
 * stops watching once the response has been sent, while the connection keeps reading (and discarding) the unread
 * body for as long as the client trickles it. This timer runs from the request's headers to the last byte of its
 * body, whatever the handler does with it. When the response has not started, the request's body fails with a 408
 * Request Timeout ({@link RequestBodyTimeoutException}), which the application's error handling answers (logged at
 * debug, not as a 500), and the connection is closed once that answer is sent, or after a short grace. When the
 * response has been sent already, the connection is closed at once. Requests without a body cost nothing.</li>
 * </ul>
 * Headers are bounded by the idle timeout: the codec passes a request on only once its headers are complete, so
 * headers trickled a line at a time do not count as activity. A connection upgraded to another protocol (a WebSocket)
 * is no longer watched.
 */
public final class HttpConnectionTimeouts {

	/** Name of the handler in the connection's pipeline, right after the HTTP/1.1 codec. */
	public static final String HANDLER_NAME = "fluxgate.connectionTimeouts";

	/** Time for the 408 to be written before the connection is closed regardless. */
	private static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);

	private static final Logger logger = LoggerFactory.getLogger(HttpConnectionTimeouts.class);

	private HttpConnectionTimeouts() {
	}

	/**
	 * Whether this handler can keep a server's idle timeout: its connections speak HTTP/1.1 only. HTTP/2 connections
	 * have no HTTP/1.1 codec for the handler to follow; they keep Reactor Netty's idle timeout.
	 * @param server the server, with its protocols configured
	 * @return {@code true} when every connection is HTTP/1.1
	 */
	public static boolean canKeepIdleTimeout(HttpServer server) {
		HttpProtocol[] protocols = server.configuration().protocols();
		return protocols.length == 1 && protocols[0] == HttpProtocol.HTTP11;
	}

	/**
	 * Bounds each HTTP/1.1 connection's idle time and the time to receive each request's body.
	 * @param server the server
	 * @param idleTimeout the longest time a connection may wait for its next request, or {@code null} for none; only
	 * where {@link #canKeepIdleTimeout} holds
	 * @param requestReadTimeout the longest time from a request's headers to the last byte of its body, or
	 * {@code null} for none
	 * @return the server with the bounds
	 */
	public static HttpServer applyTo(HttpServer server, @Nullable Duration idleTimeout,
			@Nullable Duration requestReadTimeout) {
		long idleNanos = (idleTimeout != null) ? idleTimeout.toNanos() : 0;
		long bodyNanos = (requestReadTimeout != null) ? requestReadTimeout.toNanos() : 0;
		if (idleNanos <= 0 && bodyNanos <= 0) {
			return server;
		}
		return server.doOnChannelInit((observer, channel, remoteAddress) -> {
			ChannelPipeline pipeline = channel.pipeline();
			if (pipeline.get(NettyPipeline.HttpCodec) != null && pipeline.get(HANDLER_NAME) == null) {
				pipeline.addAfter(NettyPipeline.HttpCodec, HANDLER_NAME, new Timers(idleNanos, bodyNanos));
			}
		});
	}

	/**
	 * 408 Request Timeout: the request's body did not arrive in full in time. The connection is closed after the
	 * answer.
	 */
	public static final class RequestBodyTimeoutException extends ResponseStatusException {

		RequestBodyTimeoutException(long timeoutMillis) {
			super(HttpStatus.REQUEST_TIMEOUT,
					"The request's body did not arrive in full within " + timeoutMillis + " ms of its headers");
		}

	}

	/** One per connection; runs on the connection's event loop only. 0 switches a bound off. */
	static final class Timers extends ChannelDuplexHandler {

		private final long idleNanos;

		private final long bodyNanos;

		private final Runnable idleCheck = this::checkIdle;

		private final Runnable bodyExpiry = this::bodyExpired;

		private ChannelHandlerContext context;

		/** Requests read whose response has not been written in full (more than one when a client pipelines). */
		private int inFlight;

		/** When the connection last had a request in progress, or anything read; on the channel's clock. */
		private long idleSince;

		/** Checks the idle time lazily: armed once, moved forward only when it fires. */
		private @Nullable ScheduledFuture<?> idleTimer;

		/** Switched to another protocol: neither bound applies any more. */
		private boolean upgraded;

		private @Nullable ScheduledFuture<?> bodyTimer;

		/** Whether the response to the request whose body is awaited has started. */
		private boolean responseStarted;

		/** Whether the request's body has been failed with a 408, so the next expiry closes the connection. */
		private boolean failed;

		Timers(long idleNanos, long bodyNanos) {
			this.idleNanos = idleNanos;
			this.bodyNanos = bodyNanos;
		}

		@Override
		public void handlerAdded(ChannelHandlerContext ctx) {
			this.context = ctx;
			if (this.idleNanos > 0) {
				this.idleSince = now();
				this.idleTimer = ctx.executor().schedule(this.idleCheck, this.idleNanos, TimeUnit.NANOSECONDS);
			}
		}

		@Override
		public void channelRead(ChannelHandlerContext ctx, Object msg) {
			// Inspected before passing it on: the next handler may release it.
			if (msg instanceof HttpRequest request) {
				this.inFlight++;
				if (this.bodyNanos > 0 && !(msg instanceof LastHttpContent) && hasBody(request)) {
					this.responseStarted = false;
					this.failed = false;
					scheduleBody(this.bodyNanos);
				}
			}
			else {
				if (msg instanceof LastHttpContent) {
					cancelBody();
				}
				if (this.inFlight == 0 && this.idleNanos > 0) {
					// The rest of a body the response did not wait for: the client is still sending.
					this.idleSince = now();
				}
			}
			ctx.fireChannelRead(msg);
		}

		private static boolean hasBody(HttpRequest request) {
			try {
				return HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0;
			}
			catch (NumberFormatException ex) {
				return true; // a malformed Content-Length: the codec rejects the request, and the timer is harmless
			}
		}

		@Override
		public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
			if (msg instanceof HttpResponse response) {
				if (response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
					// 100 Continue neither starts the response nor ends the request (a late body still gets its
					// 408); 101 Switching Protocols ends HTTP/1.1 on this connection.
					if (response.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
						upgrade();
					}
					ctx.write(msg, promise);
					return;
				}
				this.responseStarted = true;
			}
			if (msg instanceof LastHttpContent && this.inFlight > 0 && --this.inFlight == 0 && this.idleNanos > 0) {
				this.idleSince = now();
			}
			ctx.write(msg, promise);
		}

		private void upgrade() {
			this.upgraded = true;
			cancelTimers();
		}

		private void checkIdle() {
			this.idleTimer = null;
			if (this.upgraded || !this.context.channel().isActive()) {
				return;
			}
			long next = this.idleNanos;
			if (this.inFlight == 0) {
				long idle = now() - this.idleSince;
				if (idle >= this.idleNanos) {
					if (logger.isDebugEnabled()) {
						logger.debug("Closing {}: idle for {} ms", this.context.channel(),
								TimeUnit.NANOSECONDS.toMillis(idle));
					}
					this.context.close();
					return;
				}
				next = this.idleNanos - idle;
			}
			this.idleTimer = this.context.executor().schedule(this.idleCheck, next, TimeUnit.NANOSECONDS);
		}

		private void bodyExpired() {
			this.bodyTimer = null;
			long timeoutMillis = TimeUnit.NANOSECONDS.toMillis(this.bodyNanos);
			if (!this.responseStarted && !this.failed) {
				if (logger.isDebugEnabled()) {
					logger.debug("{}: a request body did not arrive in full within {} ms of its headers: 408",
							this.context.channel(), timeoutMillis);
				}
				this.failed = true;
				scheduleBody(GRACE_NANOS);
				// Fails the body the handler reads and keeps the connection from being reused: it closes after the
				// answer.
				this.context.fireExceptionCaught(new RequestBodyTimeoutException(timeoutMillis));
				return;
			}
			if (logger.isDebugEnabled()) {
				logger.debug("Closing {}: a request body did not arrive in full within {} ms of its headers",
						this.context.channel(), timeoutMillis);
			}
			this.context.close();
		}

		@Override
		public void channelInactive(ChannelHandlerContext ctx) {
			cancelTimers();
			ctx.fireChannelInactive();
		}

		@Override
		public void handlerRemoved(ChannelHandlerContext ctx) {
			cancelTimers();
		}

		/** The event loop's clock, which tests can stop and move. */
		private long now() {
			return this.context.executor().ticker().nanoTime();
		}

		private void scheduleBody(long delayNanos) {
			cancelBody();
			if (!this.upgraded) {
				this.bodyTimer = this.context.executor().schedule(this.bodyExpiry, delayNanos, TimeUnit.NANOSECONDS);
			}
		}

		private void cancelBody() {
			if (this.bodyTimer != null) {
				this.bodyTimer.cancel(false);
				this.bodyTimer = null;
			}
		}

		private void cancelTimers() {
			if (this.idleTimer != null) {
				this.idleTimer.cancel(false);
				this.idleTimer = null;
			}
			cancelBody();
		}

	}

}

package dev.fluxgate.server;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.NettyPipeline;
import reactor.netty.http.server.HttpServer;

import org.springframework.http.HttpStatus;
import org.springframework.web.server.ResponseStatusException;

/**
 * A bound on the total time to receive a request's body on HTTP/1.1 connections: the connection is closed when the
 * body has not arrived in full within the timeout of its headers.
 * <p>
 * Reactor Netty's read timeout bounds each pause, not the total, so a client sending a byte every few seconds never
 * trips it; and its request timeout stops watching once the response has been sent, while the connection keeps
 * reading (and discarding) the unread body for as long as the client trickles it. This timer runs from the request's
 * headers to the last byte of its body, whatever the handler does with it. Headers are bounded already: the
 * connection is idle (Boot's {@code server.netty.idle-timeout}) until they are complete.
 * <p>
 * When the response has not started, the request's body fails with a 408 Request Timeout
 * ({@link RequestBodyTimeoutException}), which the application's error handling answers (logged at debug, not as a
 * 500), and the connection is closed once that answer is sent, or after a short grace. When the response has been
 * sent already, the connection is closed at once.
 * <p>
 * Costs nothing for requests without a body; otherwise one timer on the connection's own event loop.
 */
public final class RequestReadTimeout {

	/** Name of the handler in the connection's pipeline, right after the HTTP/1.1 codec. */
	public static final String HANDLER_NAME = "fluxgate.requestReadTimeout";

	/** Time for the 408 to be written before the connection is closed regardless. */
	private static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);

	private static final Logger logger = LoggerFactory.getLogger(RequestReadTimeout.class);

	private RequestReadTimeout() {
	}

	/**
	 * Bounds the time to receive each request's body.
	 * @param server the server
	 * @param timeout the longest time from a request's headers to the last byte of its body
	 * @return the server with the bound
	 */
	public static HttpServer applyTo(HttpServer server, Duration timeout) {
		long timeoutNanos = timeout.toNanos();
		return server.doOnChannelInit((observer, channel, remoteAddress) -> {
			ChannelPipeline pipeline = channel.pipeline();
			if (pipeline.get(NettyPipeline.HttpCodec) != null && pipeline.get(HANDLER_NAME) == null) {
				pipeline.addAfter(NettyPipeline.HttpCodec, HANDLER_NAME, new BodyTimer(timeoutNanos));
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

	/** One per connection; runs on the connection's event loop only. */
	static final class BodyTimer extends ChannelDuplexHandler implements Runnable {

		private final long timeoutNanos;

		private ChannelHandlerContext context;

		private @Nullable ScheduledFuture<?> timer;

		/** Whether the response to the request whose body is awaited has started. */
		private boolean responseStarted;

		/** Whether the request's body has been failed with a 408, so the next expiry closes the connection. */
		private boolean failed;

		BodyTimer(long timeoutNanos) {
			this.timeoutNanos = timeoutNanos;
		}

		@Override
		public void handlerAdded(ChannelHandlerContext ctx) {
			this.context = ctx;
		}

		@Override
		public void channelRead(ChannelHandlerContext ctx, Object msg) {
			// Inspected before passing it on: the next handler may release it.
			if (msg instanceof HttpRequest request && !(msg instanceof LastHttpContent) && hasBody(request)) {
				this.responseStarted = false;
				this.failed = false;
				schedule(this.timeoutNanos);
			}
			else if (msg instanceof LastHttpContent) {
				cancel();
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
			if (msg instanceof HttpResponse) {
				this.responseStarted = true;
			}
			ctx.write(msg, promise);
		}

		@Override
		public void run() {
			this.timer = null;
			long timeoutMillis = TimeUnit.NANOSECONDS.toMillis(this.timeoutNanos);
			if (!this.responseStarted && !this.failed) {
				if (logger.isDebugEnabled()) {
					logger.debug("{}: a request body did not arrive in full within {} ms of its headers: 408",
							this.context.channel(), timeoutMillis);
				}
				this.failed = true;
				schedule(GRACE_NANOS);
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
			cancel();
			ctx.fireChannelInactive();
		}

		@Override
		public void handlerRemoved(ChannelHandlerContext ctx) {
			cancel();
		}

		private void schedule(long delayNanos) {
			cancel();
			this.timer = this.context.executor().schedule(this, delayNanos, TimeUnit.NANOSECONDS);
		}

		private void cancel() {
			if (this.timer != null) {
				this.timer.cancel(false);
				this.timer = null;
			}
		}

	}

}

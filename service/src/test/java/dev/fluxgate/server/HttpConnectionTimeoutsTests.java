package dev.fluxgate.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;

import org.springframework.http.HttpStatus;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The connection's timers on their own, on Netty's embedded channel with a virtual clock: which requests the body
 * timer watches, when it fails a body with 408 and when it closes the connection; when a connection counts as idle.
 */
class HttpConnectionTimeoutsTests {

	private static final long TIMEOUT_MS = 1000;

	private static final long IDLE_MS = 3000;

	private final List<Throwable> errors = new ArrayList<>();

	private final EmbeddedChannel channel = new EmbeddedChannel();

	/**
	 * Only {@link #elapse(long)} moves the channel's clock, frozen before the handler is added: a slow machine must
	 * not fire a timer early.
	 */
	@BeforeEach
	void addHandlerWithTimeFrozen() {
		this.channel.freezeTime();
		this.channel.pipeline()
			.addLast(new HttpConnectionTimeouts.Timers(TimeUnit.MILLISECONDS.toNanos(IDLE_MS),
					TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS)), new ChannelInboundHandlerAdapter() {

						@Override
						public void channelRead(ChannelHandlerContext ctx, Object msg) {
							ReferenceCountUtil.release(msg);
						}

						@Override
						public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
							HttpConnectionTimeoutsTests.this.errors.add(cause);
						}

					});
	}

	@AfterEach
	void close() {
		this.channel.finishAndReleaseAll();
	}

	@Test
	void requestWithoutBodyIsNotWatched() {
		this.channel.writeInbound(request(HttpMethod.GET, null));
		elapse(TIMEOUT_MS * 10);
		assertThat(this.channel.isOpen()).isTrue();
		assertThat(this.errors).isEmpty();
	}

	@Test
	void bodyThatArrivesInTimeStopsTheTimer() {
		this.channel.writeInbound(request(HttpMethod.POST, "5"));
		elapse(TIMEOUT_MS - 100);
		this.channel.writeInbound(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[4])));
		this.channel.writeInbound(LastHttpContent.EMPTY_LAST_CONTENT);
		elapse(TIMEOUT_MS * 10);
		assertThat(this.channel.isOpen()).isTrue();
		assertThat(this.errors).isEmpty();
	}

	@Test
	void bodyStillAwaitedByAHandlerFailsWith408ThenTheConnectionCloses() {
		this.channel.writeInbound(request(HttpMethod.POST, "1000"));
		for (int i = 0; i < 9; i++) {
			this.channel.writeInbound(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[1])));
			elapse(TIMEOUT_MS / 10);
		}
		assertThat(this.errors).isEmpty();
		elapse(TIMEOUT_MS / 10);
		assertThat(this.errors).singleElement()
			.isInstanceOfSatisfying(HttpConnectionTimeouts.RequestBodyTimeoutException.class,
					(ex) -> assertThat(ex.getStatusCode()).isEqualTo(HttpStatus.REQUEST_TIMEOUT));
		assertThat(this.channel.isOpen()).as("open for the 408 to be written").isTrue();
		elapse(TimeUnit.SECONDS.toMillis(1));
		assertThat(this.channel.isOpen()).isFalse();
	}

	@Test
	void bodyLeftUnreadAfterTheResponseClosesTheConnection() {
		this.channel.writeInbound(request(HttpMethod.POST, "1000"));
		this.channel.writeOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
		this.channel.writeOutbound(LastHttpContent.EMPTY_LAST_CONTENT);
		this.channel.writeInbound(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[1])));
		elapse(TIMEOUT_MS);
		assertThat(this.channel.isOpen()).isFalse();
		assertThat(this.errors).isEmpty();
	}

	@Test
	void chunkedBodyIsWatched() {
		HttpRequest request = request(HttpMethod.POST, null);
		request.headers().set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
		this.channel.writeInbound(request);
		elapse(TIMEOUT_MS);
		assertThat(this.errors).hasSize(1);
	}

	@Test
	void bodyAfter100ContinueThatDoesNotArriveIsStillAnswered408() {
		this.channel.writeInbound(request(HttpMethod.POST, "1000"));
		this.channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
		elapse(TIMEOUT_MS);
		assertThat(this.errors).singleElement().isInstanceOf(HttpConnectionTimeouts.RequestBodyTimeoutException.class);
	}

	@Test
	void connectionThatSendsNoRequestIsClosedAfterTheIdleTimeout() {
		elapse(IDLE_MS - 1);
		assertThat(this.channel.isOpen()).isTrue();
		elapse(1);
		assertThat(this.channel.isOpen()).isFalse();
	}

	@Test
	void idleTimeRunsFromTheEndOfTheLastResponse() {
		elapse(IDLE_MS - 100);
		this.channel.writeInbound(request(HttpMethod.GET, null));
		elapse(IDLE_MS * 3);
		assertThat(this.channel.isOpen()).as("a request in progress is not idle").isTrue();
		respond();
		elapse(IDLE_MS - 1);
		assertThat(this.channel.isOpen()).isTrue();
		elapse(1);
		assertThat(this.channel.isOpen()).isFalse();
	}

	@Test
	void keepAliveConnectionWithRequestsWithinTheIdleTimeoutStaysOpen() {
		for (int i = 0; i < 5; i++) {
			elapse(IDLE_MS - 100);
			this.channel.writeInbound(request(HttpMethod.GET, null));
			respond();
		}
		assertThat(this.channel.isOpen()).isTrue();
	}

	@Test
	void pipelinedRequestsKeepTheConnectionBusyUntilTheLastResponse() {
		this.channel.writeInbound(request(HttpMethod.GET, null));
		this.channel.writeInbound(request(HttpMethod.GET, null));
		respond();
		elapse(IDLE_MS * 2);
		assertThat(this.channel.isOpen()).as("the second request is in progress").isTrue();
		respond();
		elapse(IDLE_MS);
		assertThat(this.channel.isOpen()).isFalse();
	}

	@Test
	void informationalResponseDoesNotEndTheRequest() {
		this.channel.writeInbound(request(HttpMethod.GET, null));
		this.channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
		elapse(IDLE_MS * 2);
		assertThat(this.channel.isOpen()).isTrue();
	}

	@Test
	void bodyStillArrivingAfterTheResponseIsNotIdle() {
		this.channel.writeInbound(request(HttpMethod.POST, "1000"));
		respond();
		elapse(TIMEOUT_MS - 100);
		this.channel.writeInbound(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[1])));
		this.channel.writeInbound(LastHttpContent.EMPTY_LAST_CONTENT);
		elapse(IDLE_MS - 1);
		assertThat(this.channel.isOpen()).isTrue();
		elapse(1);
		assertThat(this.channel.isOpen()).isFalse();
	}

	@Test
	void upgradedConnectionIsNotWatched() {
		this.channel.writeInbound(request(HttpMethod.GET, null));
		this.channel
			.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS));
		elapse(IDLE_MS * 10);
		assertThat(this.channel.isOpen()).isTrue();
	}

	@Test
	void idleTimeoutOnlyWhereEveryConnectionIsHttp11() {
		assertThat(HttpConnectionTimeouts.canKeepIdleTimeout(HttpServer.create())).isTrue();
		assertThat(HttpConnectionTimeouts
			.canKeepIdleTimeout(HttpServer.create().protocol(HttpProtocol.HTTP11, HttpProtocol.H2C))).isFalse();
	}

	@Test
	void serverWithNeitherBoundIsLeftAlone() {
		HttpServer server = HttpServer.create();
		assertThat(HttpConnectionTimeouts.applyTo(server, null, Duration.ZERO)).isSameAs(server);
	}

	private void respond() {
		this.channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
	}

	private void elapse(long millis) {
		this.channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
		this.channel.runScheduledPendingTasks();
	}

	private static HttpRequest request(HttpMethod method, String contentLength) {
		HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, "/upload");
		if (contentLength != null) {
			request.headers().set(HttpHeaderNames.CONTENT_LENGTH, contentLength);
		}
		return request;
	}

}

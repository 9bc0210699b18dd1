package dev.fluxgate.server;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.netty.channel.EventLoop;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.util.ClassUtils;

/**
 * Where a request's timer runs. On Reactor Netty: the request's own event loop, where arming and cancelling a timer
 * from the loop itself is a lock-free heap operation. {@code Schedulers.parallel()} would take a lock and often wake
 * one of its threads for every request, a context switch per request that cut throughput on a 2-core machine to a
 * third. Other servers use {@code parallel()}.
 */
final class RequestTimers {

	private static final boolean REACTOR_NETTY = ClassUtils.isPresent("reactor.netty.Connection",
			RequestTimers.class.getClassLoader());

	/** One scheduler per loop: as many as the server has loops. Never disposed: that would shut the loop down. */
	private final Map<EventLoop, Scheduler> loops = new ConcurrentHashMap<>();

	private final Scheduler fixed;

	RequestTimers() {
		this(null);
	}

	/**
	 * Timers that all run on one scheduler, for tests that decide when a deadline expires.
	 * @param fixed the scheduler, or {@code null} for the request's own event loop
	 */
	RequestTimers(Scheduler fixed) {
		this.fixed = fixed;
	}

	Scheduler schedulerFor(ServerHttpRequest request) {
		if (this.fixed != null) {
			return this.fixed;
		}
		if (REACTOR_NETTY) {
			EventLoop loop = ReactorNetty.eventLoopOf(request);
			if (loop != null) {
				return this.loops.computeIfAbsent(loop, (key) -> Schedulers.fromExecutorService(key, "fluxgate-deadline"));
			}
		}
		return Schedulers.parallel();
	}

	/** Kept apart so Reactor Netty's classes load only when it is present. */
	private static final class ReactorNetty {

		static EventLoop eventLoopOf(ServerHttpRequest request) {
			Object nativeRequest;
			try {
				nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request);
			}
			catch (IllegalStateException ex) {
				return null; // a request with no native counterpart (a mock in tests)
			}
			return (nativeRequest instanceof reactor.netty.Connection connection) ? connection.channel().eventLoop()
					: null;
		}

	}

}

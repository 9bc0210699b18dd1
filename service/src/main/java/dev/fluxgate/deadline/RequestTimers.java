package dev.fluxgate.deadline;

import java.util.concurrent.TimeUnit;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.util.ClassUtils;

/**
 * Where a request's timer runs. On Reactor Netty: the request's own event loop, where arming and cancelling a timer
 * from the loop itself is a lock-free heap operation and one task object. {@code Schedulers.parallel()} would take a
 * lock and often wake one of its threads for every request, a context switch per request that cut throughput on a
 * 2-core machine to a third. Other servers use {@code parallel()}.
 */
final class RequestTimers {

	private static final boolean REACTOR_NETTY = ClassUtils.isPresent("reactor.netty.Connection",
			RequestTimers.class.getClassLoader());

	private final @Nullable Scheduler fixed;

	RequestTimers() {
		this(null);
	}

	/**
	 * Timers that all run on one scheduler, for tests that decide when a deadline expires.
	 * @param fixed the scheduler, or {@code null} for the request's own event loop
	 */
	RequestTimers(@Nullable Scheduler fixed) {
		this.fixed = fixed;
	}

	/**
	 * Runs a task once after a delay.
	 * @param request the request, whose event loop runs the task when it has one
	 * @param task the task
	 * @param delayNanos the delay
	 * @return what cancels the task
	 */
	Disposable schedule(ServerHttpRequest request, Runnable task, long delayNanos) {
		if (this.fixed != null) {
			return this.fixed.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
		}
		if (REACTOR_NETTY) {
			EventLoop loop = ReactorNetty.eventLoopOf(request);
			if (loop != null) {
				ScheduledFuture<?> future = loop.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
				return () -> future.cancel(false);
			}
		}
		return Schedulers.parallel().schedule(task, delayNanos, TimeUnit.NANOSECONDS);
	}

	/** Kept apart so Reactor Netty's classes load only when it is present. */
	private static final class ReactorNetty {

		static @Nullable EventLoop eventLoopOf(ServerHttpRequest request) {
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

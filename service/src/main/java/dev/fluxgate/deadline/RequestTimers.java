package dev.fluxgate.deadline;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import org.springframework.http.server.reactive.AbstractServerHttpRequest;
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

	/** Request classes that have no native request (mocks): asked once, not once per request. */
	private final Set<Class<?>> withoutNativeRequest = ConcurrentHashMap.newKeySet();

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
			EventLoop loop = ReactorNetty.eventLoopOf(request, this.withoutNativeRequest);
			if (loop != null) {
				ScheduledFuture<?> future = loop.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
				return () -> future.cancel(false);
			}
		}
		return Schedulers.parallel().schedule(task, delayNanos, TimeUnit.NANOSECONDS);
	}

	/** Kept apart so Reactor Netty's classes load only when it is present. */
	private static final class ReactorNetty {

		static @Nullable EventLoop eventLoopOf(ServerHttpRequest request, Set<Class<?>> withoutNative) {
			ServerHttpRequest inner = request;
			while (inner instanceof ServerHttpRequestDecorator decorator) {
				inner = decorator.getDelegate();
			}
			// Reactor Netty's request is an AbstractServerHttpRequest; a mock's throws when asked for its native
			// request, which would cost an exception (and its stack trace) per request in tests and benchmarks.
			if (!(inner instanceof AbstractServerHttpRequest server) || withoutNative.contains(inner.getClass())) {
				return null;
			}
			Object nativeRequest;
			try {
				nativeRequest = server.getNativeRequest();
			}
			catch (IllegalStateException ex) {
				withoutNative.add(inner.getClass());
				return null;
			}
			return (nativeRequest instanceof reactor.netty.Connection connection) ? connection.channel().eventLoop()
					: null;
		}

	}

}

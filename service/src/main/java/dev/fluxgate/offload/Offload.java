package dev.fluxgate.offload;

import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import dev.fluxgate.deadline.Deadline;
import dev.fluxgate.overload.DeadlineExceededException;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Moves blocking or CPU-heavy work off the event loop onto a bounded executor, for reactive code:
 *
 * <pre class="code">
 * offload.blocking(() -&gt; legacyClient.fetch(id))          // a Mono factory
 * request.transform(offload.mapCpu(this::renderPdf))       // an operator
 * </pre>
 *
 * {@code blocking} is for I/O that waits (JDBC, file, SDKs without a reactive API); {@code cpu} is sized to the cores
 * for computation, so it cannot oversubscribe them. When the executor is full the Mono fails at once with a
 * {@link dev.fluxgate.overload.CapacityExceededException} (503 + {@code Retry-After}) instead of queueing without
 * bound. Cancelling the subscription removes queued work from the queue and interrupts running work; its result, if
 * any, is discarded. A request {@link Deadline} in the Reactor context bounds the wait and the run (504 when it
 * expires).
 */
public final class Offload implements AutoCloseable {

	private final BoundedExecutor blocking;

	private final BoundedExecutor cpu;

	/**
	 * Offloading onto the given executors.
	 * @param blocking the executor for blocking I/O
	 * @param cpu the executor for computation
	 */
	public Offload(BoundedExecutor blocking, BoundedExecutor cpu) {
		this.blocking = blocking;
		this.cpu = cpu;
	}

	/**
	 * Run a blocking call on the blocking executor.
	 * @param call the call; a {@code null} result completes the Mono empty
	 * @param <T> the result type
	 * @return a Mono of the result
	 */
	public <T> Mono<T> blocking(Callable<? extends @Nullable T> call) {
		return on(this.blocking, call);
	}

	/**
	 * Run a computation on the CPU executor.
	 * @param call the computation; a {@code null} result completes the Mono empty
	 * @param <T> the result type
	 * @return a Mono of the result
	 */
	public <T> Mono<T> cpu(Callable<? extends @Nullable T> call) {
		return on(this.cpu, call);
	}

	/**
	 * An operator that maps each value with a blocking function on the blocking executor, for
	 * {@code mono.transform(...)}.
	 * @param mapper the blocking function
	 * @param <T> the input type
	 * @param <R> the output type
	 * @return the operator
	 */
	public <T, R> Function<Mono<T>, Mono<R>> mapBlocking(Function<? super T, ? extends R> mapper) {
		return (mono) -> mono.flatMap((value) -> blocking(() -> mapper.apply(value)));
	}

	/**
	 * An operator that maps each value with a CPU-heavy function on the CPU executor, for {@code mono.transform(...)}.
	 * @param mapper the computation
	 * @param <T> the input type
	 * @param <R> the output type
	 * @return the operator
	 */
	public <T, R> Function<Mono<T>, Mono<R>> mapCpu(Function<? super T, ? extends R> mapper) {
		return (mono) -> mono.flatMap((value) -> cpu(() -> mapper.apply(value)));
	}

	/**
	 * The executor for blocking I/O.
	 * @return the executor
	 */
	public BoundedExecutor blockingExecutor() {
		return this.blocking;
	}

	/**
	 * The executor for computation.
	 * @return the executor
	 */
	public BoundedExecutor cpuExecutor() {
		return this.cpu;
	}

	/**
	 * Stop both executors from taking work; what is queued still runs.
	 */
	@Override
	public void close() {
		this.blocking.close();
		this.cpu.close();
	}

	/**
	 * Run a call on an executor as a Mono that honours cancellation and the request {@link Deadline} in the Reactor
	 * context: an expired deadline fails at once, and the call is cancelled (interrupted, or taken out of the queue)
	 * when the deadline expires, with a {@link DeadlineExceededException} (504).
	 * @param executor the executor
	 * @param call the call
	 * @param <T> the result type
	 * @return a Mono of the result
	 */
	public static <T> Mono<T> on(BoundedExecutor executor, Callable<? extends T> call) {
		return Mono.deferContextual((context) -> {
			Mono<T> offloaded = submit(executor, call);
			return Deadline.current(context).map((deadline) -> deadline.isExpired()
					? Mono.<T>error(new DeadlineExceededException(
							"The request deadline expired before the offloaded call could start"))
					: offloaded.timeout(deadline.remaining(), Mono.error(() -> new DeadlineExceededException(
							"The request deadline expired while the offloaded call waited or ran"))))
				.orElse(offloaded);
		});
	}

	private static <T> Mono<T> submit(BoundedExecutor executor, Callable<? extends T> call) {
		return Mono.create((sink) -> {
			AtomicBoolean cancelled = new AtomicBoolean();
			Future<?> future;
			try {
				future = executor.submit(() -> {
					try {
						T value = call.call();
						if (!cancelled.get()) {
							sink.success(value);
						}
					}
					catch (Throwable ex) {
						// After a cancel the interrupt's exception is expected and nobody listens any more.
						if (!cancelled.get()) {
							sink.error(ex);
						}
					}
				});
			}
			catch (OffloadRejectedException ex) {
				sink.error(ex.toOverload());
				return;
			}
			sink.onCancel(() -> {
				cancelled.set(true);
				future.cancel(true);
			});
		});
	}

}

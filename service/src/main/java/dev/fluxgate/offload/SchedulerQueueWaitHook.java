package dev.fluxgate.offload;

import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Schedulers;

/**
 * Measures how long tasks wait in Reactor's shared {@code Schedulers.boundedElastic()} before a thread picks them
 * up, with a {@link Schedulers#onScheduleHook schedule hook}: timer {@code fluxgate.scheduler.queue.wait}, tag
 * {@code scheduler=boundedElastic} (told apart by the thread that runs the task). {@code boundedElastic} queues up to
 * 100 000 tasks per thread, so its queue wait is where hidden blocking shows first. Timer-driven schedulers
 * ({@code parallel}, {@code single}) are left out: the hook cannot tell a queue wait from a requested delay. A task
 * deliberately delayed on {@code boundedElastic} counts its delay as wait. The hook is JVM-wide: {@link #install()}
 * replaces an earlier Fluxgate hook and {@link #close()} removes it.
 */
public final class SchedulerQueueWaitHook implements AutoCloseable {

	static final String HOOK_KEY = "fluxgate.scheduler.queue.wait";

	private final @Nullable Timer boundedElastic;

	/**
	 * A hook publishing to a registry.
	 * @param registry the registry; {@code null} makes {@link #install()} do nothing
	 */
	public SchedulerQueueWaitHook(@Nullable MeterRegistry registry) {
		this.boundedElastic = (registry != null) ? timer(registry, "boundedElastic") : null;
	}

	private static Timer timer(MeterRegistry registry, String scheduler) {
		return Timer.builder("fluxgate.scheduler.queue.wait")
			.description("Time a task waited in a shared Reactor scheduler before it ran")
			.tag("scheduler", scheduler)
			.register(registry);
	}

	/**
	 * Start measuring.
	 * @return this hook
	 */
	public SchedulerQueueWaitHook install() {
		if (this.boundedElastic == null) {
			return this;
		}
		Schedulers.onScheduleHook(HOOK_KEY, (task) -> {
			long scheduledAt = System.nanoTime();
			return () -> {
				Timer timer = timerFor(Thread.currentThread().getName());
				if (timer != null) {
					timer.record(System.nanoTime() - scheduledAt, TimeUnit.NANOSECONDS);
				}
				task.run();
			};
		});
		return this;
	}

	private @Nullable Timer timerFor(String threadName) {
		if (threadName.startsWith("boundedElastic-")) {
			return this.boundedElastic;
		}
		return null;
	}

	@Override
	public void close() {
		Schedulers.resetOnScheduleHook(HOOK_KEY);
	}

}

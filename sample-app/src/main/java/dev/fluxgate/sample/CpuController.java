package dev.fluxgate.sample;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

import dev.fluxgate.offload.Offload;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A CPU-heavy computation in reactive code. With Fluxgate it runs on the bounded CPU scheduler through
 * {@link Offload}; with {@code fluxgate.enabled=false} (the benchmark's baseline) it runs where reactive code runs by
 * default, on the event loop, and stalls every connection sharing that loop.
 */
@RestController
class CpuController {

	private final Offload offload;

	CpuController(ObjectProvider<Offload> offload) {
		this.offload = offload.getIfAvailable();
	}

	@GetMapping("/cpu")
	Mono<String> cpu(@RequestParam(defaultValue = "20") long ms) {
		Mono<Long> work = (this.offload != null) ? this.offload.cpu(() -> Work.burn(ms))
				: Mono.fromCallable(() -> Work.burn(ms));
		return work.map((checksum) -> "checksum " + checksum);
	}

	static final class Work {

		private Work() {
		}

		private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

		/**
		 * Uses about {@code ms} milliseconds of this thread's CPU time and returns something that depends on the work
		 * done. CPU time, not wall time: threads that share a core each take longer, as real computation does, instead
		 * of finishing on time with a fraction of the work (which made four event loops on two cores look like twice
		 * the capacity of a two-thread CPU executor).
		 */
		static long burn(long ms) {
			boolean cpuClock = THREADS.isCurrentThreadCpuTimeSupported();
			long start = cpuClock ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
			long end = start + ms * 1_000_000;
			long x = 0;
			while ((cpuClock ? THREADS.getCurrentThreadCpuTime() : System.nanoTime()) < end) {
				for (int i = 0; i < 10_000; i++) {
					x = x * 31 + i;
				}
			}
			return x;
		}

	}

}

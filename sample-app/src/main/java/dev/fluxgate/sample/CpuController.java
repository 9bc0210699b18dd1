package dev.fluxgate.sample;

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

		/** Spins the CPU for about {@code ms} milliseconds and returns something that depends on the work done. */
		static long burn(long ms) {
			long end = System.nanoTime() + ms * 1_000_000;
			long x = 0;
			while (System.nanoTime() < end) {
				for (int i = 0; i < 1000; i++) {
					x = x * 31 + i;
				}
			}
			return x;
		}

	}

}

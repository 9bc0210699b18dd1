package dev.fluxgate.sample;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A CPU-heavy computation. Written imperatively it occupies whichever thread runs it for {@code ms} milliseconds.
 */
@RestController
class CpuController {

	@GetMapping("/cpu")
	String cpu(@RequestParam(defaultValue = "20") long ms) {
		return "checksum " + Work.burn(ms);
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

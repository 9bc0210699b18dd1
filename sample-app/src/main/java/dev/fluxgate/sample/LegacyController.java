package dev.fluxgate.sample;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The classic mistake: an imperative handler that blocks. On plain Boot (Java 17) it runs on a Netty event loop and
 * stalls every other request sharing that loop; Fluxgate runs it on a bounded blocking executor instead.
 */
@RestController
class LegacyController {

	@GetMapping("/legacy/blocking")
	String blocking(@RequestParam(defaultValue = "50") long ms) throws InterruptedException {
		Thread.sleep(ms);
		return "slept " + ms + " ms";
	}

}

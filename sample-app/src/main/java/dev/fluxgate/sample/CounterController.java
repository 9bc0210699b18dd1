package dev.fluxgate.sample;

import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A Redis-backed counter, present only when {@code sample.redis.enabled=true} (the {@code services} profile), so the
 * app starts without Redis.
 */
@RestController
@ConditionalOnBooleanProperty("sample.redis.enabled")
class CounterController {

	private final ReactiveStringRedisTemplate redis;

	CounterController(ReactiveStringRedisTemplate redis) {
		this.redis = redis;
	}

	@GetMapping("/counter")
	Mono<Long> increment() {
		return this.redis.opsForValue().increment("fluxgate-sample:counter");
	}

}

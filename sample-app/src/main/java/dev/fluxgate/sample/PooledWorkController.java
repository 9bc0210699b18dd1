package dev.fluxgate.sample;

import java.time.Duration;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import reactor.core.publisher.Mono;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A latency-bound endpoint: each request holds a real pooled database connection for {@code ms} milliseconds, as a
 * slow query would. Its capacity is {@code spring.r2dbc.pool.max-size / latency}; offered more, requests queue for
 * connections.
 */
@RestController
class PooledWorkController {

	private final ConnectionFactory connectionFactory;

	PooledWorkController(ConnectionFactory connectionFactory) {
		this.connectionFactory = connectionFactory;
	}

	@GetMapping("/work")
	Mono<String> work(@RequestParam(defaultValue = "50") long ms) {
		return Mono.usingWhen(this.connectionFactory.create(),
				(connection) -> Mono.delay(Duration.ofMillis(ms)).thenReturn("worked " + ms + " ms"),
				Connection::close);
	}

}

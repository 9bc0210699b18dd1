package dev.fluxgate.autoconfigure.r2dbc;

import java.time.Duration;
import java.util.Map;

import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.spi.Connection;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * An exhausted connection pool reaches the client as the overload contract (503, {@code Retry-After}, problem
 * detail), although Spring R2DBC wraps the pool's failure in a {@code DataAccessResourceFailureException}.
 */
class PoolExhaustionResponseTests {

	@Test
	void exhaustedPoolAnswers503WithRetryAfterNot500() {
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(QueryApplication.class)
			.web(WebApplicationType.REACTIVE)
			.properties("server.port=0", "spring.r2dbc.url=r2dbc:h2:mem:///exhausted", "spring.r2dbc.pool.max-size=1",
					"spring.r2dbc.pool.max-acquire-time=300ms", "spring.r2dbc.pool.acquire-retry=0")
			.run()) {
			ConnectionPool pool = context.getBean(ConnectionPool.class);
			Connection held = pool.create().block(Duration.ofSeconds(10));
			try {
				WebTestClient.bindToServer()
					.baseUrl("http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port"))
					.build()
					.get()
					.uri("/one")
					.exchange()
					.expectStatus()
					.isEqualTo(503)
					.expectHeader()
					.valueEquals("Retry-After", "1")
					.expectHeader()
					.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
					.expectBody()
					.jsonPath("$.reason")
					.isEqualTo("db-pool-exhausted");
			}
			finally {
				Mono.from(held.close()).block(Duration.ofSeconds(10));
			}
		}
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	@RestController
	static class QueryApplication {

		private final DatabaseClient databaseClient;

		QueryApplication(DatabaseClient databaseClient) {
			this.databaseClient = databaseClient;
		}

		@GetMapping("/one")
		Mono<Map<String, Object>> one() {
			return this.databaseClient.sql("SELECT 1 AS one").fetch().one();
		}

	}

}

package dev.fluxgate.overload;

import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.timeout.ReadTimeoutException;
import io.r2dbc.spi.R2dbcBadGrammarException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTimeoutException;
import io.r2dbc.spi.R2dbcTransientResourceException;
import org.junit.jupiter.api.Test;
import reactor.core.Exceptions;

import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.data.redis.connection.lettuce.LettuceExceptionConverter;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.reactive.function.client.WebClientRequestException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The classification of dependency failures, with the exception types (and wrappers) the real clients raise.
 */
class DependencyFailuresTests {

	private static final LettuceExceptionConverter redis = new LettuceExceptionConverter();

	@Test
	void everyTypeInTheTableExists() {
		// Types are matched by name: a renamed or mistyped class would silently never match.
		assertThat(DependencyFailures.RULES).allSatisfy((rule) -> assertThat(Class.forName(rule.type())).isNotNull());
	}

	@Test
	void webClientTimeoutsAndConnectFailures() {
		assertThat(classify(webClient(ReadTimeoutException.INSTANCE))).isEqualTo(DependencyFailure.DEPENDENCY_TIMEOUT);
		assertThat(classify(webClient(new ConnectException("Connection refused"))))
			.isEqualTo(DependencyFailure.DEPENDENCY_UNAVAILABLE);
		// Netty's connect timeout is a ConnectException: the host did not accept, it did not answer slowly.
		assertThat(classify(webClient(new ConnectTimeoutException("connection timed out"))))
			.isEqualTo(DependencyFailure.DEPENDENCY_UNAVAILABLE);
		assertThat(classify(webClient(new UnknownHostException("nowhere.invalid"))))
			.isEqualTo(DependencyFailure.DEPENDENCY_UNAVAILABLE);
		// After retries the last failure arrives wrapped once more.
		assertThat(classify(Exceptions.retryExhausted("Retries exhausted: 3/3", webClient(new ConnectException()))))
			.isEqualTo(DependencyFailure.DEPENDENCY_UNAVAILABLE);
	}

	@Test
	void blockingHttpClientFailures() {
		assertThat(classify(new ResourceAccessException("I/O error", new java.net.SocketTimeoutException("Read timed out"))))
			.isEqualTo(DependencyFailure.DEPENDENCY_TIMEOUT);
		assertThat(classify(new ResourceAccessException("I/O error", new java.net.http.HttpTimeoutException("timed out"))))
			.isEqualTo(DependencyFailure.DEPENDENCY_TIMEOUT);
		assertThat(classify(new ResourceAccessException("I/O error", new HttpConnectTimeoutException("timed out"))))
			.isEqualTo(DependencyFailure.DEPENDENCY_UNAVAILABLE);
	}

	@Test
	void aNettyReadTimeoutOutsideAClientCallIsNotADependencyTimeout() {
		// The server's own read timeout raises the same exception while a handler reads the request body.
		assertThat(DependencyFailures.classify(ReadTimeoutException.INSTANCE)).isNull();
		assertThat(DependencyFailures.classify(new ConnectException("Connection refused"))).isNull();
	}

	@Test
	void postgresStatementTimeoutIsAStatementTimeoutThoughTheDriverRaisesItAsAResourceFailure() {
		// r2dbc-postgresql raises SQLSTATE 57014 as a non-transient resource exception; Spring wraps that again.
		R2dbcNonTransientResourceException timeout = new R2dbcNonTransientResourceException(
				"canceling statement due to statement timeout", "57014");
		assertThat(classify(new DataAccessResourceFailureException("executeMany", timeout)))
			.isEqualTo(DependencyFailure.DB_STATEMENT_TIMEOUT);
		assertThat(classify(new R2dbcTimeoutException("statement timed out")))
			.isEqualTo(DependencyFailure.DB_STATEMENT_TIMEOUT);
	}

	@Test
	void unreachableDatabase() {
		R2dbcNonTransientResourceException refused = new R2dbcNonTransientResourceException(
				"Cannot connect to localhost/127.0.0.1:1", new ConnectException("Connection refused"));
		assertThat(classify(new DataAccessResourceFailureException("Failed to obtain R2DBC Connection", refused)))
			.isEqualTo(DependencyFailure.DB_UNAVAILABLE);
		assertThat(classify(new R2dbcTransientResourceException("connection closed")))
			.isEqualTo(DependencyFailure.DB_UNAVAILABLE);
		assertThat(classify(new R2dbcNonTransientResourceException("sorry, too many clients already", "53300")))
			.isEqualTo(DependencyFailure.DB_UNAVAILABLE);
		assertThat(classify(new R2dbcNonTransientResourceException("the database system is starting up", "57P03")))
			.isEqualTo(DependencyFailure.DB_UNAVAILABLE);
		assertThat(classify(new R2dbcNonTransientResourceException("connection failure", "08006")))
			.isEqualTo(DependencyFailure.DB_UNAVAILABLE);
	}

	@Test
	void databaseErrorsThatAreTheApplicationsStayUnclassified() {
		// A PL/pgSQL RAISE (P0001) or a lock that is not available (55P03) reaches r2dbc-postgresql's default branch,
		// a non-transient resource exception too: only its SQLSTATE tells it apart from an outage.
		assertThat(DependencyFailures.classify(new R2dbcNonTransientResourceException("custom", "P0001"))).isNull();
		assertThat(DependencyFailures.classify(new R2dbcNonTransientResourceException("lock", "55P03"))).isNull();
		assertThat(DependencyFailures.classify(new R2dbcBadGrammarException("syntax error", "42601"))).isNull();
		// r2dbc-pool's own acquisition timeout is the pool's business (503 db-pool-exhausted in Fluxgate's pool).
		assertThat(DependencyFailures.classify(new R2dbcTimeoutException("Connection acquisition timed out after 1000ms",
				new TimeoutException()))).isNull();
	}

	@Test
	void redisThroughSpringDataRedisTranslation() {
		assertThat(classify(redis.convert(new RedisCommandTimeoutException("Command timed out after 2 second(s)"))))
			.isEqualTo(DependencyFailure.REDIS_TIMEOUT);
		assertThat(classify(redis.convert(new RedisConnectionException("Unable to connect to 127.0.0.1:1"))))
			.isEqualTo(DependencyFailure.REDIS_UNAVAILABLE);
		assertThat(classify(new RedisConnectionException("Unable to connect"))).isEqualTo(DependencyFailure.REDIS_UNAVAILABLE);
		// A command the server rejected (WRONGTYPE, a script error) is the application's: a 500.
		assertThat(DependencyFailures.classify(redis.convert(new RedisCommandExecutionException("WRONGTYPE")))).isNull();
		// A plain RedisException that the connection's endpoint did not raise is not an outage.
		assertThat(DependencyFailures.classify(redis.convert(new RedisException("Unsupported script output type"))))
			.isNull();
	}

	@Test
	void unrelatedErrorsAndCyclesAreNotClassified() {
		assertThat(DependencyFailures.classify(new IllegalStateException("bug"))).isNull();
		RuntimeException first = new RuntimeException("first");
		RuntimeException second = new RuntimeException("second", first);
		first.initCause(second);
		assertThat(DependencyFailures.classify(first)).isNull();
	}

	@Test
	void timeoutsAre504WithoutRetryAfterAndOutagesAre503WithIt() {
		OverloadException timeout = DependencyFailure.DB_STATEMENT_TIMEOUT.toException(new RuntimeException());
		OverloadException outage = DependencyFailure.REDIS_UNAVAILABLE.toException(new RuntimeException());

		assertThat(timeout.getStatusCode().value()).isEqualTo(504);
		assertThat(timeout.getRetryAfter()).isEmpty();
		assertThat(timeout.getBody().getType()).hasToString("https://fluxgate.dev/problems/db-statement-timeout");
		assertThat(outage.getStatusCode().value()).isEqualTo(503);
		assertThat(outage.getRetryAfter()).contains(Duration.ofSeconds(5));
		assertThat(outage.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("5");
		assertThat(outage.getBody().getProperties()).containsEntry("reason", "redis-unavailable");
	}

	private static DependencyFailure classify(Throwable ex) {
		DependencyFailures.Classification classification = DependencyFailures.classify(ex);
		assertThat(classification).as("classification of %s", ex).isNotNull();
		return classification.failure();
	}

	private static WebClientRequestException webClient(Throwable cause) {
		return new WebClientRequestException(cause, HttpMethod.GET, URI.create("http://127.0.0.1:1/x"),
				new HttpHeaders());
	}

}

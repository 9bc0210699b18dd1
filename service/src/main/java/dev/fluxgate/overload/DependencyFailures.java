package dev.fluxgate.overload;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BiPredicate;

import io.r2dbc.spi.R2dbcException;
import org.jspecify.annotations.Nullable;

import static dev.fluxgate.overload.DependencyFailure.DB_STATEMENT_TIMEOUT;
import static dev.fluxgate.overload.DependencyFailure.DB_UNAVAILABLE;
import static dev.fluxgate.overload.DependencyFailure.DEPENDENCY_TIMEOUT;
import static dev.fluxgate.overload.DependencyFailure.DEPENDENCY_UNAVAILABLE;
import static dev.fluxgate.overload.DependencyFailure.REDIS_TIMEOUT;
import static dev.fluxgate.overload.DependencyFailure.REDIS_UNAVAILABLE;

/**
 * The one place that recognises a {@link DependencyFailure} in an error: by exception type anywhere in the cause chain
 * (clients and data-access layers wrap what they raise: Spring R2DBC in a {@code DataAccessResourceFailureException},
 * Spring Data Redis in a {@code QueryTimeoutException} or {@code RedisSystemException}, WebClient in a
 * {@code WebClientRequestException}), plus a structured property where the type alone is ambiguous (a SQLSTATE, the
 * client that raised it). Never by message text. The first rule that matches wins, so the specific rules come before
 * the general ones; a new kind of failure is one more line in {@link #RULES}.
 * <p>
 * Types are matched by name, so none of these libraries has to be on the class path.
 */
final class DependencyFailures {

	private static final int MAX_CAUSE_DEPTH = 16;

	private static final String R2DBC_EXCEPTION = "io.r2dbc.spi.R2dbcException";

	/** PostgreSQL: connection exceptions (class 08), too many connections, shutting down, starting up. */
	private static final Set<String> UNREACHABLE_SQL_STATES = Set.of("53300", "57P01", "57P02", "57P03");

	static final List<Rule> RULES = List.of(
			// PostgreSQL reports statement_timeout as 57014, which r2dbc-postgresql raises as a non-transient
			// resource exception: the SQLSTATE rules come before the type rules.
			new Rule(DB_STATEMENT_TIMEOUT, R2DBC_EXCEPTION, (ex, chain) -> "57014".equals(sqlState(ex))),
			// A driver's statement timeout; r2dbc-pool's acquire and validation timeouts wrap a TimeoutException.
			new Rule(DB_STATEMENT_TIMEOUT, "io.r2dbc.spi.R2dbcTimeoutException",
					(ex, chain) -> !isA(ex.getCause(), "java.util.concurrent.TimeoutException")),
			new Rule(DB_UNAVAILABLE, R2DBC_EXCEPTION, (ex, chain) -> unreachableSqlState(sqlState(ex))),
			// No SQLSTATE: the driver itself failed to connect or lost the connection, the server sent no error.
			new Rule(DB_UNAVAILABLE, "io.r2dbc.spi.R2dbcNonTransientResourceException", (ex, chain) -> sqlState(ex) == null),
			new Rule(DB_UNAVAILABLE, "io.r2dbc.spi.R2dbcTransientResourceException", (ex, chain) -> sqlState(ex) == null),
			new Rule(REDIS_TIMEOUT, "io.lettuce.core.RedisCommandTimeoutException", Rule.ANY),
			new Rule(REDIS_UNAVAILABLE, "io.lettuce.core.RedisConnectionException", Rule.ANY),
			new Rule(REDIS_UNAVAILABLE, "org.springframework.data.redis.RedisConnectionFailureException", Rule.ANY),
			// Lettuce refuses a command locally (not connected with REJECT_COMMANDS, connection closed, queue full)
			// with a plain RedisException that has no subtype: its origin, the connection's endpoint, identifies it.
			new Rule(REDIS_UNAVAILABLE, "io.lettuce.core.RedisException", DependencyFailures::refusedByLettuce),
			// HTTP clients: only inside a client call, so that a server-side read timeout is never mistaken for one.
			// Connect failures first: the JDK's connect timeout is an HttpTimeoutException, Netty's a ConnectException.
			new Rule(DEPENDENCY_UNAVAILABLE, "java.net.ConnectException", DependencyFailures::inHttpCall),
			new Rule(DEPENDENCY_UNAVAILABLE, "java.net.http.HttpConnectTimeoutException", DependencyFailures::inHttpCall),
			new Rule(DEPENDENCY_UNAVAILABLE, "java.net.NoRouteToHostException", DependencyFailures::inHttpCall),
			new Rule(DEPENDENCY_UNAVAILABLE, "java.net.UnknownHostException", DependencyFailures::inHttpCall),
			new Rule(DEPENDENCY_TIMEOUT, "io.netty.handler.timeout.ReadTimeoutException", DependencyFailures::inHttpCall),
			new Rule(DEPENDENCY_TIMEOUT, "java.net.http.HttpTimeoutException", DependencyFailures::inHttpCall),
			new Rule(DEPENDENCY_TIMEOUT, "java.net.SocketTimeoutException", DependencyFailures::inHttpCall));

	/** Exceptions that mean the error came out of an HTTP client call (WebClient, RestClient, RestTemplate). */
	private static final List<String> HTTP_CLIENT_EXCEPTIONS = List.of(
			"org.springframework.web.reactive.function.client.WebClientException",
			"org.springframework.web.client.ResourceAccessException");

	private DependencyFailures() {
	}

	/**
	 * The dependency failure behind an error, if it is one.
	 * @param ex the error
	 * @return the failure and the exception that identified it, or {@code null}
	 */
	static @Nullable Classification classify(Throwable ex) {
		List<Throwable> chain = chain(ex);
		for (Rule rule : RULES) {
			for (Throwable candidate : chain) {
				if (isA(candidate, rule.type()) && rule.condition().test(candidate, chain)) {
					return new Classification(rule.failure(), candidate);
				}
			}
		}
		return null;
	}

	static List<Throwable> chain(Throwable ex) {
		List<Throwable> chain = new ArrayList<>();
		for (@Nullable Throwable current = ex; current != null && chain.size() < MAX_CAUSE_DEPTH
				&& !chain.contains(current); current = current.getCause()) {
			chain.add(current);
		}
		return chain;
	}

	static boolean isA(@Nullable Throwable ex, String typeName) {
		for (Class<?> type = (ex != null) ? ex.getClass() : null; type != null; type = type.getSuperclass()) {
			if (type.getName().equals(typeName)) {
				return true;
			}
		}
		return false;
	}

	private static boolean inHttpCall(Throwable ex, List<Throwable> chain) {
		return chain.stream().anyMatch((link) -> HTTP_CLIENT_EXCEPTIONS.stream().anyMatch((type) -> isA(link, type)));
	}

	private static boolean refusedByLettuce(Throwable ex, List<Throwable> chain) {
		StackTraceElement[] stack = ex.getStackTrace();
		return ex.getClass().getName().equals("io.lettuce.core.RedisException") && stack.length > 0
				&& stack[0].getClassName().startsWith("io.lettuce.core.protocol.DefaultEndpoint");
	}

	private static boolean unreachableSqlState(@Nullable String sqlState) {
		return sqlState != null && (sqlState.startsWith("08") || UNREACHABLE_SQL_STATES.contains(sqlState));
	}

	/** Only called on an {@code R2dbcException}, so r2dbc-spi is loaded when this runs. */
	private static @Nullable String sqlState(Throwable ex) {
		return R2dbc.sqlState(ex);
	}

	/** Keeps the r2dbc-spi reference out of the outer class, which loads without it. */
	private static final class R2dbc {

		static @Nullable String sqlState(Throwable ex) {
			return (ex instanceof R2dbcException r2dbc) ? r2dbc.getSqlState() : null;
		}

	}

	/**
	 * One line of the table.
	 *
	 * @param failure what a match means
	 * @param type the exception type (a match is this type or a subtype) anywhere in the cause chain
	 * @param condition what else must hold, given the matching exception and the whole chain
	 */
	record Rule(DependencyFailure failure, String type, BiPredicate<Throwable, List<Throwable>> condition) {

		static final BiPredicate<Throwable, List<Throwable>> ANY = (ex, chain) -> true;

	}

	/**
	 * A recognised failure.
	 *
	 * @param failure the failure
	 * @param identifiedBy the exception in the chain that identified it
	 */
	record Classification(DependencyFailure failure, Throwable identifiedBy) {

	}

}

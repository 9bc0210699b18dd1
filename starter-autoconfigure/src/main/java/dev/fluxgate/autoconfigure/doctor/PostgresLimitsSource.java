package dev.fluxgate.autoconfigure.doctor;

import java.time.Duration;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Row;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.ObjectProvider;

/**
 * Reads PostgreSQL's connection limits through the application's own {@link ConnectionFactory}: non-blocking, with
 * one pooled connection for one query, bounded by a timeout so an exhausted pool cannot hold it up. A successful
 * answer is cached (limits change only with a server restart); a failure is retried on a later read.
 * {@code reserved_connections} exists from PostgreSQL 16; {@code current_setting(name, true)} returns null before.
 */
final class PostgresLimitsSource implements DatabaseLimitsSource {

	static final String QUERY = "SELECT version(), current_setting('max_connections'), "
			+ "current_setting('superuser_reserved_connections'), current_setting('reserved_connections', true)";

	private final ObjectProvider<ConnectionFactory> connectionFactory;

	private final Duration timeout;

	private volatile Mono<DatabaseLimits> limits;

	PostgresLimitsSource(ObjectProvider<ConnectionFactory> connectionFactory, Duration timeout) {
		this.connectionFactory = connectionFactory;
		this.timeout = timeout;
	}

	private static Mono<DatabaseLimits> limits(ConnectionFactory connectionFactory, Duration timeout) {
		if (!isPostgres(connectionFactory)) {
			return Mono.empty();
		}
		Mono<DatabaseLimits> query = Mono.usingWhen(Mono.from(connectionFactory.create()),
				(connection) -> Mono.from(connection.createStatement(QUERY).execute())
					.flatMap((result) -> Mono.from(result.map((row, metadata) -> read(row)))),
				Connection::close, (connection, ex) -> connection.close(), Connection::close)
			.timeout(timeout);
		return query.cache((value) -> Duration.ofMinutes(10), (ex) -> Duration.ZERO, () -> Duration.ZERO);
	}

	static boolean isPostgres(ConnectionFactory connectionFactory) {
		String name = connectionFactory.getMetadata().getName();
		return name != null && name.toLowerCase(java.util.Locale.ROOT).contains("postgres");
	}

	private static DatabaseLimits read(Row row) {
		String version = row.get(0, String.class);
		String[] words = (version != null) ? version.split(" ") : new String[0];
		String product = (words.length >= 2) ? words[0] + " " + words[1] : "PostgreSQL";
		String reserved = row.get(3, String.class);
		return new DatabaseLimits(product, Integer.parseInt(row.get(1, String.class)),
				Integer.parseInt(row.get(2, String.class)),
				(reserved != null && !reserved.isBlank()) ? Integer.parseInt(reserved) : 0);
	}

	@Override
	public Mono<DatabaseLimits> limits() {
		Mono<DatabaseLimits> limits = this.limits;
		if (limits == null) {
			ConnectionFactory factory = this.connectionFactory.getIfUnique();
			limits = (factory != null) ? limits(factory, this.timeout) : Mono.empty();
			this.limits = limits;
		}
		return limits;
	}

}

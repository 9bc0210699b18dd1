package dev.fluxgate.test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The one place that decides where the PostgreSQL and Redis that tests talk to come from, in this order:
 * <ol>
 * <li>explicit settings: system properties {@code fluxgate.test.postgres.host|port|database|username|password} and
 * {@code fluxgate.test.redis.host|port}, or the environment variables of the same names in upper case with
 * underscores ({@code FLUXGATE_TEST_POSTGRES_HOST}, ...);</li>
 * <li>the local servers on 127.0.0.1:5432 (database {@code test}, user {@code postgres}, trust auth) and
 * 127.0.0.1:6379;</li>
 * <li>Testcontainers, when a Docker engine is available.</li>
 * </ol>
 * When none is reachable the test is skipped, except with {@code CI=true}, where a missing service fails the test:
 * CI must never pass by skipping.
 */
public final class TestServices {

	private static Postgres postgres;

	private static Redis redis;

	private TestServices() {
	}

	/**
	 * A reachable PostgreSQL.
	 * @return its coordinates
	 */
	public static synchronized Postgres postgres() {
		if (postgres == null) {
			postgres = resolvePostgres();
		}
		return postgres;
	}

	/**
	 * A reachable Redis.
	 * @return its coordinates
	 */
	public static synchronized Redis redis() {
		if (redis == null) {
			redis = resolveRedis();
		}
		return redis;
	}

	private static Postgres resolvePostgres() {
		String host = setting("fluxgate.test.postgres.host");
		if (host != null) {
			return new Postgres(host, Integer.parseInt(settingOr("fluxgate.test.postgres.port", "5432")),
					settingOr("fluxgate.test.postgres.database", "test"),
					settingOr("fluxgate.test.postgres.username", "postgres"),
					settingOr("fluxgate.test.postgres.password", ""));
		}
		if (reachable("127.0.0.1", 5432)) {
			return new Postgres("127.0.0.1", 5432, "test", "postgres", "");
		}
		if (dockerAvailable()) {
			PostgreSQLContainer container = new PostgreSQLContainer("postgres:16-alpine");
			container.start();
			return new Postgres(container.getHost(), container.getFirstMappedPort(), container.getDatabaseName(),
					container.getUsername(), container.getPassword());
		}
		return unavailable("PostgreSQL");
	}

	private static Redis resolveRedis() {
		String host = setting("fluxgate.test.redis.host");
		if (host != null) {
			return new Redis(host, Integer.parseInt(settingOr("fluxgate.test.redis.port", "6379")));
		}
		if (reachable("127.0.0.1", 6379)) {
			return new Redis("127.0.0.1", 6379);
		}
		if (dockerAvailable()) {
			GenericContainer<?> container = new GenericContainer<>("redis:7-alpine").withExposedPorts(6379);
			container.start();
			return new Redis(container.getHost(), container.getFirstMappedPort());
		}
		return unavailable("Redis");
	}

	private static <T> T unavailable(String service) {
		return skipOrFail(service + " is not reachable: set fluxgate.test.* settings, start the local server "
				+ "(see README, 'Running the tests'), or make Docker available");
	}

	/**
	 * Skip the calling test because something it needs is missing; with {@code CI=true}, fail it instead.
	 * @param message what is missing and how to provide it
	 * @param <T> any type, so callers can return the result
	 * @return never
	 */
	static <T> T skipOrFail(String message) {
		if ("true".equalsIgnoreCase(System.getenv("CI"))) {
			throw new IllegalStateException(message + ". CI=true, so a missing service is a failure, not a skip.");
		}
		Assumptions.abort(message);
		throw new IllegalStateException("unreachable");
	}

	private static boolean reachable(String host, int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(host, port), 1000);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static boolean dockerAvailable() {
		try {
			return DockerClientFactory.instance().isDockerAvailable();
		}
		catch (Throwable ex) {
			return false;
		}
	}

	private static String setting(String name) {
		String value = System.getProperty(name);
		if (value == null) {
			value = System.getenv(name.toUpperCase().replace('.', '_').replace('-', '_'));
		}
		return (value == null || value.isBlank()) ? null : value;
	}

	private static String settingOr(String name, String fallback) {
		String value = setting(name);
		return (value != null) ? value : fallback;
	}

	/**
	 * PostgreSQL coordinates.
	 *
	 * @param host the host
	 * @param port the port
	 * @param database the database
	 * @param username the user
	 * @param password the password, empty for trust auth
	 */
	public record Postgres(String host, int port, String database, String username, String password) {

		public String r2dbcUrl() {
			return "r2dbc:postgresql://" + this.host + ":" + this.port + "/" + this.database;
		}

		/**
		 * Spring Boot properties that point R2DBC at this database.
		 * @return {@code name=value} pairs for a context runner or {@code SpringApplication}
		 */
		public String[] r2dbcProperties() {
			Map<String, String> properties = new LinkedHashMap<>();
			properties.put("spring.r2dbc.url", r2dbcUrl());
			properties.put("spring.r2dbc.username", this.username);
			properties.put("spring.r2dbc.password", this.password);
			return properties.entrySet().stream().map((e) -> e.getKey() + "=" + e.getValue()).toArray(String[]::new);
		}

	}

	/**
	 * Redis coordinates.
	 *
	 * @param host the host
	 * @param port the port
	 */
	public record Redis(String host, int port) {

		/**
		 * Spring Boot properties that point Spring Data Redis at this server.
		 * @return {@code name=value} pairs
		 */
		public String[] properties() {
			return new String[] { "spring.data.redis.host=" + this.host, "spring.data.redis.port=" + this.port };
		}

	}

}

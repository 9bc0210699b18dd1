package dev.fluxgate.autoconfigure.defaults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;

/**
 * The values Fluxgate installs for Spring Boot's own concurrency properties, each with the failure it prevents. Users
 * tune them with the names they already know, and {@code /actuator/env} shows where each value came from.
 */
public final class BootPropertyDefaults {

	static final String R2DBC_POOL_CLASS = "io.r2dbc.pool.ConnectionPool";

	private static final int BOOT_R2DBC_INITIAL_SIZE = 10;

	private static final List<BootPropertyDefault> ALWAYS = List.of(
			new BootPropertyDefault("spring.http.clients.read-timeout", "10s", "none: waits forever",
					"A WebClient call to a hung dependency holds its request and connection forever."),
			new BootPropertyDefault("spring.http.clients.connect-timeout", "3s", "30s (Netty)",
					"An unreachable host (dropped SYNs) stalls each call for 30 s."),
			new BootPropertyDefault("spring.data.redis.timeout", "2s", "60s",
					"A stalled Redis holds every request that touches it for a minute."),
			new BootPropertyDefault("spring.data.redis.connect-timeout", "2s", "10s",
					"An unreachable Redis stalls each reconnect attempt for 10 s."),
			new BootPropertyDefault("spring.webflux.multipart.max-parts", "128", "-1 (unlimited)",
					"A single multipart request with millions of parts exhausts memory and file handles."),
			new BootPropertyDefault("spring.webflux.multipart.max-disk-usage-per-part", "10MB", "-1 (unlimited)",
					"A single upload fills the disk. Raise it for services that accept large files."));

	/**
	 * Fluxgate's {@code spring.r2dbc.pool.max-acquire-time}: how long a request waits for a pool whose connections
	 * are all busy, per attempt (Boot's {@code acquire-retry} of 1 allows a second one, so a request gets its 503
	 * after about 2 s). Not installed in the environment: r2dbc-pool applies {@code maxAcquireTime} to the whole
	 * acquisition, opening a new connection included, so in a pool Fluxgate does not rebuild (a
	 * {@code @DataR2dbcTest} slice, for example) this short wait would fail the first connections of a slow but
	 * healthy database. Only the pool Fluxgate rebuilds applies it, as the wait for a busy pool alone.
	 */
	public static final Duration R2DBC_MAX_ACQUIRE_TIME = Duration.ofSeconds(1);

	private static final BootPropertyDefault R2DBC_POOL_ACQUIRE = new BootPropertyDefault(
			"spring.r2dbc.pool.max-acquire-time", ConcurrencySettingsCollector.format(R2DBC_MAX_ACQUIRE_TIME),
			"none: waits forever",
			"With the pool exhausted, every request waits for a connection indefinitely. Bounds the wait for a busy "
					+ "pool only, per attempt; applied by the pool Fluxgate rebuilds, not installed in the environment.");

	/**
	 * Fluxgate's {@code server.netty.idle-timeout}: how long a keep-alive connection may wait for its next request.
	 * Not installed in the environment: Reactor Netty's idle timeout adds a handler to the connection's pipeline after
	 * every response and removes it at the next request, about 3 % of the CPU of a trivial request. Fluxgate's
	 * connection handler keeps the same bound on HTTP/1.1 connections with one timer per connection
	 * ({@code HttpConnectionTimeouts}); HTTP/2 servers get Reactor Netty's. A value the application sets is
	 * Reactor Netty's, as without Fluxgate.
	 */
	public static final Duration SERVER_IDLE_TIMEOUT = Duration.ofSeconds(60);

	/** The Boot property whose default is {@link #SERVER_IDLE_TIMEOUT}. */
	public static final String SERVER_IDLE_TIMEOUT_PROPERTY = "server.netty.idle-timeout";

	private static final BootPropertyDefault SERVER_IDLE = new BootPropertyDefault(SERVER_IDLE_TIMEOUT_PROPERTY, "60s",
			"none: idle connections kept forever",
			"Idle keep-alive connections accumulate until the server runs out of file descriptors. Longer than client "
					+ "pools' max idle time, so clients close first. Applied by Fluxgate's connection handler, not "
					+ "installed in the environment.");

	private static final List<BootPropertyDefault> R2DBC_POOL = List.of(
			new BootPropertyDefault("spring.r2dbc.pool.max-create-connection-time", "20s", "none: waits forever",
					"A database that accepts TCP but never finishes the handshake hangs pool growth, and every "
							+ "request waiting for a new connection with it. 20 s, like HikariCP's 30 s connection "
							+ "timeout, is far above a healthy handshake even from a cold JVM on a busy machine "
							+ "(5 s failed startups there), and below the 30 s request deadline, so a request that "
							+ "waits for a hung database still gets 503 db-unavailable rather than 504."),
			new BootPropertyDefault("spring.r2dbc.pool.max-validation-time", "2s", "none: waits forever",
					"A validation query on a broken connection hangs the acquisition that triggered it."),
			new BootPropertyDefault("spring.r2dbc.pool.max-life-time", "30m", "none: connections live forever",
					"Connections never move after a failover or DNS change and never release server-side memory."));

	private BootPropertyDefaults() {
	}

	/**
	 * Whether Fluxgate applies {@link #SERVER_IDLE_TIMEOUT}: the application sets no idle timeout of its own (which
	 * Boot applies as Reactor Netty's).
	 * @param environment the application's environment
	 * @return {@code true} when the default is Fluxgate's to keep
	 */
	public static boolean appliesServerIdleTimeout(Environment environment) {
		return environment.getProperty(SERVER_IDLE_TIMEOUT_PROPERTY) == null;
	}

	/**
	 * Every default Fluxgate may install, whether or not it applies to a given application, and the two it applies
	 * itself: {@linkplain #SERVER_IDLE_TIMEOUT the server's idle timeout} and {@linkplain #R2DBC_MAX_ACQUIRE_TIME its
	 * R2DBC pool's wait}.
	 * @return the defaults, in a stable order
	 */
	public static List<BootPropertyDefault> all() {
		List<BootPropertyDefault> all = new ArrayList<>(ALWAYS);
		all.add(SERVER_IDLE);
		all.add(R2DBC_POOL_ACQUIRE);
		all.addAll(R2DBC_POOL);
		return all;
	}

	/**
	 * The defaults that apply to this application. Pool defaults are left out when they would break startup: when the
	 * R2DBC URL configures its own pool ({@code r2dbc:pool:}), when r2dbc-pool is absent, or when pooling is off.
	 * {@link #SERVER_IDLE_TIMEOUT} and {@link #R2DBC_MAX_ACQUIRE_TIME} are never among them.
	 * @param environment the environment, with the application's own configuration loaded
	 * @param classLoader the application's class loader
	 * @return property names and values, in a stable order
	 */
	public static Map<String, Object> applicableTo(Environment environment, ClassLoader classLoader) {
		Map<String, Object> defaults = new LinkedHashMap<>();
		ALWAYS.forEach((entry) -> defaults.put(entry.property(), entry.value()));
		if (usesPropertyBasedR2dbcPool(environment, classLoader)) {
			R2DBC_POOL.forEach((entry) -> defaults.put(entry.property(), entry.value()));
			initialSizeFittingMaxSize(environment).ifPresent((size) -> defaults.put("spring.r2dbc.pool.initial-size", size));
		}
		return defaults;
	}

	/**
	 * The Boot properties whose Fluxgate guard is in force in this application: the defaults that
	 * {@linkplain #applicableTo apply to it}, the server's {@link #SERVER_IDLE_TIMEOUT}, and
	 * {@link #R2DBC_MAX_ACQUIRE_TIME} wherever Fluxgate rebuilds the pool that applies it.
	 * @param environment the environment, with the application's own configuration loaded
	 * @param classLoader the application's class loader
	 * @return property names
	 */
	public static Set<String> guardedProperties(Environment environment, ClassLoader classLoader) {
		Set<String> guarded = new LinkedHashSet<>(applicableTo(environment, classLoader).keySet());
		guarded.add(SERVER_IDLE.property());
		if (usesPropertyBasedR2dbcPool(environment, classLoader)) {
			guarded.add(R2DBC_POOL_ACQUIRE.property());
		}
		return guarded;
	}

	static boolean usesPropertyBasedR2dbcPool(Environment environment, ClassLoader classLoader) {
		String url = environment.getProperty("spring.r2dbc.url");
		boolean urlPool = StringUtils.hasText(url) && url.contains(":pool:");
		return !urlPool && ClassUtils.isPresent(R2DBC_POOL_CLASS, classLoader)
				&& environment.getProperty("spring.r2dbc.pool.enabled", Boolean.class, true);
	}

	/**
	 * Boot always passes its initial size of 10 to the pool, so a user's {@code max-size} below 10 alone fails startup
	 * with "maxSize must be greater than or equal to initialSize". Lower the initial size with it.
	 */
	private static java.util.Optional<String> initialSizeFittingMaxSize(Environment environment) {
		Integer maxSize = environment.getProperty("spring.r2dbc.pool.max-size", Integer.class);
		if (maxSize != null && maxSize > 0 && maxSize < BOOT_R2DBC_INITIAL_SIZE
				&& !environment.containsProperty("spring.r2dbc.pool.initial-size")) {
			return java.util.Optional.of(String.valueOf(maxSize));
		}
		return java.util.Optional.empty();
	}

}

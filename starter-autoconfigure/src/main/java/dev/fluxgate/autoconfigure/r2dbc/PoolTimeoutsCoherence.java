package dev.fluxgate.autoconfigure.r2dbc;

import java.time.Duration;

import dev.fluxgate.autoconfigure.defaults.ConcurrencySettingsCollector;
import dev.fluxgate.autoconfigure.r2dbc.FluxgateConnectionPool.AcquireLimits;
import io.r2dbc.pool.PoolingConnectionFactoryProvider;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Option;

import org.jspecify.annotations.Nullable;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * The pairs of R2DBC pool timeouts that contradict each other, given what each one bounds.
 * <p>
 * In the pool Fluxgate rebuilds, {@code max-acquire-time} bounds only the wait for a busy pool, and opening a
 * connection is bounded by {@code max-create-connection-time} (see {@link FluxgateConnectionPool}). There:
 * <ul>
 * <li>{@code max-acquire-time} shorter than {@code max-create-connection-time} is no contradiction: it is what the
 * defaults do (1 s and 5 s), a short wait for busy connections and a longer one for a slow handshake;</li>
 * <li>{@code max-acquire-time} with no {@code max-create-connection-time} is one: the acquisition looks bounded, but
 * opening a connection to a database that never finishes its handshake waits forever;</li>
 * <li>the wait for a busy pool over every attempt, {@code max-acquire-time} × (1 + {@code acquire-retry}), longer
 * than the request deadline {@code fluxgate.server.request-timeout} is one: the deadline answers 504 before the pool
 * can answer 503 with {@code Retry-After}.</li>
 * </ul>
 * In a pool Fluxgate does not rebuild, r2dbc-pool applies {@code maxAcquireTime} to the whole acquisition, opening a
 * connection included. There a {@code maxAcquireTime} shorter than {@code maxCreateConnectionTime} is the
 * contradiction: a slow database fails acquisitions at the short wait and the creation timeout never applies. Such a
 * pool gets neither value from Fluxgate; the check reads them from an {@code r2dbc:pool:} URL.
 */
final class PoolTimeoutsCoherence {

	private PoolTimeoutsCoherence() {
	}

	static void check(ConnectionFactory connectionFactory, Environment environment,
			ConcurrencySettingsCollector settings) {
		if (connectionFactory instanceof FluxgateConnectionPool pool) {
			checkRebuiltPool(pool.limits(), settings);
		}
		else {
			checkPoolUrl(environment.getProperty("spring.r2dbc.url"), settings);
		}
	}

	private static void checkRebuiltPool(AcquireLimits limits, ConcurrencySettingsCollector settings) {
		@Nullable Duration maxAcquireTime = limits.maxAcquireTime();
		if (maxAcquireTime == null) {
			return;
		}
		if (limits.maxCreateConnectionTime() == null) {
			settings.incoherent(("spring.r2dbc.pool.max-acquire-time (%s) bounds only the wait for a busy pool, and "
					+ "spring.r2dbc.pool.max-create-connection-time is not set: opening a connection to a database "
					+ "that never finishes its handshake waits forever. Set max-create-connection-time (Fluxgate's "
					+ "default is 5s).").formatted(ConcurrencySettingsCollector.format(maxAcquireTime)));
		}
		int attempts = 1 + Math.max(0, limits.acquireRetry());
		settings.requireNotLonger("spring.r2dbc.pool.max-acquire-time × (1 + acquire-retry)",
				maxAcquireTime.multipliedBy(attempts), "fluxgate.server.request-timeout");
	}

	private static void checkPoolUrl(@Nullable String url, ConcurrencySettingsCollector settings) {
		if (!StringUtils.hasText(url) || !url.contains(":pool:")) {
			return;
		}
		try {
			ConnectionFactoryOptions options = ConnectionFactoryOptions.parse(url);
			@Nullable Duration maxAcquireTime = duration(options, PoolingConnectionFactoryProvider.MAX_ACQUIRE_TIME);
			@Nullable Duration maxCreateTime = duration(options, PoolingConnectionFactoryProvider.MAX_CREATE_CONNECTION_TIME);
			if (maxAcquireTime != null && !maxAcquireTime.isNegative() && maxCreateTime != null
					&& maxAcquireTime.compareTo(maxCreateTime) < 0) {
				settings.incoherent(("maxAcquireTime (%s) is shorter than maxCreateConnectionTime (%s) in "
						+ "spring.r2dbc.url: r2dbc-pool applies maxAcquireTime to opening a connection too, so a slow "
						+ "database fails acquisitions after %s and maxCreateConnectionTime never applies. Make "
						+ "maxAcquireTime at least maxCreateConnectionTime, or use spring.r2dbc.pool.* properties, "
						+ "with which Fluxgate bounds the two waits apart.").formatted(
								ConcurrencySettingsCollector.format(maxAcquireTime),
								ConcurrencySettingsCollector.format(maxCreateTime),
								ConcurrencySettingsCollector.format(maxAcquireTime)));
			}
		}
		catch (RuntimeException ex) {
			// Not a URL r2dbc-pool could read either: the application fails elsewhere, with a better message.
		}
	}

	private static @Nullable Duration duration(ConnectionFactoryOptions options, Option<Duration> option) {
		@Nullable Object value = options.getValue(option);
		if (value instanceof Duration duration) {
			return duration;
		}
		return (value != null) ? Duration.parse(value.toString()) : null;
	}

}

package dev.fluxgate.httpclient;

import reactor.netty.resources.ConnectionProvider;

/**
 * Builds bounded Reactor Netty {@link ConnectionProvider}s. Unlike the JVM-global {@code HttpResources} pool (500
 * connections per host, 1000 waiters, a 45 s acquire timeout, connections kept forever), a pool from here is owned by
 * its application and every wait and every lifetime in it is finite.
 */
public final class ConnectionProviders {

	private ConnectionProviders() {
	}

	/**
	 * Create a dedicated pool. Its meters, when enabled, carry the pool name and the remote address as tags, so their
	 * cardinality is bounded by the number of hosts the application calls.
	 * @param name the pool name, used in thread names, logs and the {@code name} meter tag
	 * @param settings the limits of the pool
	 * @return a new provider; dispose it when the application stops
	 */
	public static ConnectionProvider bounded(String name, PoolSettings settings) {
		return ConnectionProvider.builder(name)
			.maxConnections(settings.maxConnections())
			.pendingAcquireMaxCount(settings.pendingAcquireMaxCount())
			.pendingAcquireTimeout(settings.pendingAcquireTimeout())
			.maxIdleTime(settings.maxIdleTime())
			.maxLifeTime(settings.maxLifeTime())
			.evictInBackground(settings.evictionInterval())
			.metrics(settings.metricsEnabled())
			.build();
	}

}

package dev.fluxgate.httpclient;

import java.time.Duration;

/**
 * Limits of a dedicated HTTP client connection pool. Every limit is finite: a pool built from these settings never
 * waits forever for a connection, never queues without bound and never reuses a connection past its idle or life
 * time.
 *
 * @param maxConnections connections per remote address
 * @param pendingAcquireMaxCount acquisitions allowed to wait when all connections are busy
 * @param pendingAcquireTimeout how long one acquisition may wait
 * @param maxIdleTime how long a connection may sit idle before it is closed instead of reused
 * @param maxLifeTime how long a connection may live before it is closed after its current use
 * @param evictionInterval how often idle and expired connections are closed in the background
 * @param metricsEnabled whether Reactor Netty publishes pool gauges and the pending-acquire timer
 * <p>
 * Validated once, where it is bound ({@code fluxgate.http-client.pool.*} fails startup naming the property); the
 * runtime takes it as given.
 */
public record PoolSettings(int maxConnections, int pendingAcquireMaxCount, Duration pendingAcquireTimeout,
		Duration maxIdleTime, Duration maxLifeTime, Duration evictionInterval, boolean metricsEnabled) {

}

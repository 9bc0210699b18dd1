package dev.fluxgate.autoconfigure.httpclient;

import java.time.Duration;

import dev.fluxgate.autoconfigure.validation.PropertyChecks;
import dev.fluxgate.httpclient.PoolSettings;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the dedicated connection pool behind the auto-configured {@code WebClient.Builder}. Timeouts of the
 * calls themselves keep Boot's names: {@code spring.http.clients.read-timeout} and
 * {@code spring.http.clients.connect-timeout}.
 */
@ConfigurationProperties("fluxgate.http-client")
public class FluxgateHttpClientProperties implements InitializingBean {

	private final Pool pool = new Pool();

	public Pool getPool() {
		return this.pool;
	}

	@Override
	public void afterPropertiesSet() {
		this.pool.validate();
	}

	public static class Pool {

		/**
		 * Maximum connections per remote host. Boot's WebClient shares Reactor Netty's JVM-global pool of 500 per
		 * host, enough for one slow dependency to take hundreds of sockets and file descriptors; size this from peak
		 * concurrent calls to one host (peak in-flight requests x calls per request).
		 */
		private int maxConnections = 100;

		/**
		 * Maximum calls waiting for a connection when all are busy; further calls fail at once with
		 * PoolAcquirePendingLimitException instead of queueing. Bounds memory and latency when a host slows down
		 * (the global pool allows 1000).
		 */
		private int pendingAcquireMaxCount = 200;

		/**
		 * Maximum time a call waits for a pooled connection before failing with PoolAcquireTimeoutException. Reactor
		 * Netty waits 45 s, which turns an exhausted pool into a pile of stalled requests; about a second fails
		 * fast while a burst still drains.
		 */
		private Duration pendingAcquireTimeout = Duration.ofSeconds(1);

		/**
		 * Idle time after which a pooled connection is closed instead of reused. Without it a keep-alive connection
		 * already closed by the server or a load balancer is reused and the call fails with PrematureCloseException;
		 * keep it below the idle timeout of what you call (Tomcat 20 s, cloud load balancers 60 s).
		 */
		private Duration maxIdleTime = Duration.ofSeconds(15);

		/**
		 * Age after which a connection is closed once its current call ends. Without it connections live forever,
		 * so DNS changes, failovers and newly scaled-out instances are never picked up.
		 */
		private Duration maxLifeTime = Duration.ofMinutes(5);

		/**
		 * Interval at which idle and expired connections are closed in the background, so they are not only found
		 * stale at the moment a call needs them.
		 */
		private Duration evictInBackground = Duration.ofSeconds(10);

		/**
		 * Whether the pool publishes Reactor Netty's pool meters (reactor.netty.connection.provider.*: total,
		 * active, idle and pending connections, and the time spent waiting for one). Tags are the pool name and the
		 * remote address, so cardinality is bounded by the hosts called. Boot never enables them.
		 */
		private boolean metrics = true;

		public int getMaxConnections() {
			return this.maxConnections;
		}

		public void setMaxConnections(int maxConnections) {
			this.maxConnections = maxConnections;
		}

		public int getPendingAcquireMaxCount() {
			return this.pendingAcquireMaxCount;
		}

		public void setPendingAcquireMaxCount(int pendingAcquireMaxCount) {
			this.pendingAcquireMaxCount = pendingAcquireMaxCount;
		}

		public Duration getPendingAcquireTimeout() {
			return this.pendingAcquireTimeout;
		}

		public void setPendingAcquireTimeout(Duration pendingAcquireTimeout) {
			this.pendingAcquireTimeout = pendingAcquireTimeout;
		}

		public Duration getMaxIdleTime() {
			return this.maxIdleTime;
		}

		public void setMaxIdleTime(Duration maxIdleTime) {
			this.maxIdleTime = maxIdleTime;
		}

		public Duration getMaxLifeTime() {
			return this.maxLifeTime;
		}

		public void setMaxLifeTime(Duration maxLifeTime) {
			this.maxLifeTime = maxLifeTime;
		}

		public Duration getEvictInBackground() {
			return this.evictInBackground;
		}

		public void setEvictInBackground(Duration evictInBackground) {
			this.evictInBackground = evictInBackground;
		}

		public boolean isMetrics() {
			return this.metrics;
		}

		public void setMetrics(boolean metrics) {
			this.metrics = metrics;
		}

		void validate() {
			PropertyChecks checks = PropertyChecks.forPrefix("fluxgate.http-client.pool");
			checks.between("max-connections", this.maxConnections, 1, 100_000);
			checks.between("pending-acquire-max-count", this.pendingAcquireMaxCount, 1, 1_000_000);
			checks.positive("pending-acquire-timeout", this.pendingAcquireTimeout);
			checks.positive("max-idle-time", this.maxIdleTime);
			checks.positive("max-life-time", this.maxLifeTime);
			checks.positive("evict-in-background", this.evictInBackground);
		}

		PoolSettings toSettings() {
			return new PoolSettings(this.maxConnections, this.pendingAcquireMaxCount, this.pendingAcquireTimeout,
					this.maxIdleTime, this.maxLifeTime, this.evictInBackground, this.metrics);
		}

	}

}

package dev.fluxgate.autoconfigure.r2dbc;

import java.time.Duration;

import dev.fluxgate.autoconfigure.validation.PropertyChecks;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * R2DBC limits that Boot has no property for. The pool's own limits keep Boot's names
 * ({@code spring.r2dbc.pool.*}); Fluxgate installs finite defaults for them.
 */
@ConfigurationProperties("fluxgate.r2dbc")
public class FluxgateR2dbcProperties implements InitializingBean {

	/**
	 * Longest time one statement may run before the database cancels it, applied through the R2DBC
	 * statementTimeout option (PostgreSQL sets statement_timeout). Without it a runaway query holds its pooled
	 * connection for as long as it runs, and a few of them exhaust the pool. Zero disables it. Not applied when the
	 * URL or an options customizer already sets statementTimeout.
	 */
	private Duration statementTimeout = Duration.ofSeconds(10);

	private final Pool pool = new Pool();

	public Duration getStatementTimeout() {
		return this.statementTimeout;
	}

	public void setStatementTimeout(Duration statementTimeout) {
		this.statementTimeout = statementTimeout;
	}

	public Pool getPool() {
		return this.pool;
	}

	@Override
	public void afterPropertiesSet() {
		PropertyChecks checks = PropertyChecks.forPrefix("fluxgate.r2dbc");
		if (this.statementTimeout == null || !this.statementTimeout.isZero()) {
			checks.positive("statement-timeout", this.statementTimeout);
		}
		checks.between("pool.max-pending-acquire", this.pool.maxPendingAcquire, 1, 1_000_000);
		checks.positive("pool.queue-target", this.pool.queueTarget);
		checks.positive("pool.queue-interval", this.pool.queueInterval);
	}

	public static class Pool {

		/**
		 * Maximum connection requests waiting when every pooled connection is in use; further requests fail at once
		 * instead of queueing. r2dbc-pool's queue is unbounded (its r2dbc.pool.max.pending gauge reports
		 * 2147483647), so a slow database turns into an ever-growing backlog. Applies to the pool Boot builds from
		 * spring.r2dbc.pool.* properties.
		 */
		private int maxPendingAcquire = 100;

		/**
		 * Longest wait for a connection once the pool's queue stands (see queue-interval), instead of
		 * spring.r2dbc.pool.max-acquire-time; a request that those already waiting would keep waiting longer is
		 * refused at once. Without it, under overload every served request first waits the whole queue (up to
		 * max-acquire-time) and every refused one waits max-acquire-time for its 503.
		 */
		private Duration queueTarget = Duration.ofMillis(25);

		/**
		 * How long the pool's queue must stay non-empty, while the pool hands over at least twice max-size
		 * connections, before it counts as standing and queue-target applies, and how long it keeps standing after
		 * its last refusal. Long enough that a burst, a cold start or slow but healthy queries drain their queue
		 * first; raise it for queries that take seconds.
		 */
		private Duration queueInterval = Duration.ofMillis(500);

		public int getMaxPendingAcquire() {
			return this.maxPendingAcquire;
		}

		public void setMaxPendingAcquire(int maxPendingAcquire) {
			this.maxPendingAcquire = maxPendingAcquire;
		}

		public Duration getQueueTarget() {
			return this.queueTarget;
		}

		public void setQueueTarget(Duration queueTarget) {
			this.queueTarget = queueTarget;
		}

		public Duration getQueueInterval() {
			return this.queueInterval;
		}

		public void setQueueInterval(Duration queueInterval) {
			this.queueInterval = queueInterval;
		}

	}

}

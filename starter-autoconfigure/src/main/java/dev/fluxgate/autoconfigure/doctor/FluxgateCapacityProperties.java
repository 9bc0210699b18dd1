package dev.fluxgate.autoconfigure.doctor;

import java.time.Duration;

import dev.fluxgate.autoconfigure.validation.InvalidPropertyException;
import dev.fluxgate.autoconfigure.validation.PropertyChecks;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The capacity plan the doctor checks: peak in-flight requests times connections held per request against each
 * pool, and replicas times the R2DBC pool size against the database's connection limit.
 */
@ConfigurationProperties("fluxgate.capacity")
public class FluxgateCapacityProperties implements InitializingBean {

	/**
	 * Peak in-flight requests one instance must serve. Unset, the doctor uses the highest value it has observed,
	 * which says nothing before the first real peak; declare it so a pool too small for the planned load is
	 * reported at startup instead of during the peak.
	 */
	private Integer peakConcurrency;

	/**
	 * R2DBC connections one request holds at the same time (2 for a REQUIRES_NEW inside a transaction). Unset, the
	 * doctor estimates it from leased connections per in-flight request, or assumes 1.
	 */
	private Double connectionsPerRequest;

	/**
	 * Instances of this application that share the database. Every replica opens up to
	 * spring.r2dbc.pool.max-size connections; when together they exceed what PostgreSQL accepts
	 * (max_connections minus reserved connections), new connections fail with "too many clients" exactly when
	 * load is highest. Default 1 checks a single instance.
	 */
	private int replicas = 1;

	/**
	 * Longest wait for the database to report its connection limits. The query uses one pooled connection; the
	 * bound keeps the doctor from waiting behind an exhausted pool.
	 */
	private Duration databaseCheckTimeout = Duration.ofSeconds(3);

	public Integer getPeakConcurrency() {
		return this.peakConcurrency;
	}

	public void setPeakConcurrency(Integer peakConcurrency) {
		this.peakConcurrency = peakConcurrency;
	}

	public Double getConnectionsPerRequest() {
		return this.connectionsPerRequest;
	}

	public void setConnectionsPerRequest(Double connectionsPerRequest) {
		this.connectionsPerRequest = connectionsPerRequest;
	}

	public int getReplicas() {
		return this.replicas;
	}

	public void setReplicas(int replicas) {
		this.replicas = replicas;
	}

	public Duration getDatabaseCheckTimeout() {
		return this.databaseCheckTimeout;
	}

	public void setDatabaseCheckTimeout(Duration databaseCheckTimeout) {
		this.databaseCheckTimeout = databaseCheckTimeout;
	}

	@Override
	public void afterPropertiesSet() {
		PropertyChecks checks = PropertyChecks.forPrefix("fluxgate.capacity");
		if (this.peakConcurrency != null) {
			checks.between("peak-concurrency", this.peakConcurrency, 1, 10_000_000);
		}
		if (this.connectionsPerRequest != null
				&& !(this.connectionsPerRequest > 0 && this.connectionsPerRequest <= 100)) {
			throw new InvalidPropertyException("fluxgate.capacity.connections-per-request",
					this.connectionsPerRequest, "greater than 0 and at most 100");
		}
		checks.between("replicas", this.replicas, 1, 100_000);
		checks.positive("database-check-timeout", this.databaseCheckTimeout);
	}

}

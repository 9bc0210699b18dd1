package dev.fluxgate.autoconfigure.server;

import java.time.Duration;

import dev.fluxgate.autoconfigure.validation.PropertyChecks;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Reactor Netty server limits that Boot has no property for. The keep-alive idle timeout keeps Boot's name
 * ({@code server.netty.idle-timeout}); Fluxgate installs a finite default for it.
 */
@ConfigurationProperties("fluxgate.server")
public class FluxgateServerProperties implements InitializingBean {

	/**
	 * Longest pause allowed between two reads of a request body. Reactor Netty has no limit, so a client that
	 * stops sending mid-body (slowloris) holds its connection and buffers forever. Zero disables it.
	 */
	private Duration readTimeout = Duration.ofSeconds(20);

	public Duration getReadTimeout() {
		return this.readTimeout;
	}

	public void setReadTimeout(Duration readTimeout) {
		this.readTimeout = readTimeout;
	}

	@Override
	public void afterPropertiesSet() {
		if (this.readTimeout == null || !this.readTimeout.isZero()) {
			PropertyChecks.forPrefix("fluxgate.server").positive("read-timeout", this.readTimeout);
		}
	}

}

package dev.fluxgate.autoconfigure.doctor;

import java.time.Duration;

import dev.fluxgate.autoconfigure.validation.PropertyChecks;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How the concurrency doctor samples the application's signals (pools, gates, event loops, timeouts).
 */
@ConfigurationProperties("fluxgate.doctor")
public class FluxgateDoctorProperties implements InitializingBean {

	/**
	 * How often the doctor samples pools, gates and event loops. Saturation only counts as sustained when every
	 * sample of the window shows it, so a short interval catches recovery quickly; sampling reads in-memory gauges
	 * only and never touches a pool or the network.
	 */
	private Duration sampleInterval = Duration.ofSeconds(1);

	public Duration getSampleInterval() {
		return this.sampleInterval;
	}

	public void setSampleInterval(Duration sampleInterval) {
		this.sampleInterval = sampleInterval;
	}

	@Override
	public void afterPropertiesSet() {
		PropertyChecks.forPrefix("fluxgate.doctor").positive("sample-interval", this.sampleInterval);
	}

}

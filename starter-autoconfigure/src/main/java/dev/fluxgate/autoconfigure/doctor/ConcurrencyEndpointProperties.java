package dev.fluxgate.autoconfigure.doctor;

import java.util.LinkedHashSet;
import java.util.Set;

import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Who sees the setting values in {@code /actuator/concurrency}, the way Boot's {@code env} and
 * {@code configprops} endpoints decide it.
 */
@ConfigurationProperties("management.endpoint.concurrency")
public class ConcurrencyEndpointProperties {

	/**
	 * When to show setting values unsanitized. They are sizes and timeouts, so they are shown by default; credentials,
	 * sensitive keys and URIs with user information are masked even then, as are keys the application's
	 * SanitizingFunction beans mask.
	 */
	private Show showValues = Show.ALWAYS;

	/**
	 * Roles that may see unsanitized values when show-values is when-authorized. When empty, any authenticated user
	 * may.
	 */
	private final Set<String> roles = new LinkedHashSet<>();

	public Show getShowValues() {
		return this.showValues;
	}

	public void setShowValues(Show showValues) {
		this.showValues = showValues;
	}

	public Set<String> getRoles() {
		return this.roles;
	}

}

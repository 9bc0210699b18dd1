package dev.fluxgate.autoconfigure;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * What the overload contract covers beyond the work Fluxgate refuses itself.
 */
@ConfigurationProperties("fluxgate.overload")
public class FluxgateOverloadProperties {

	private final DependencyFailures dependencyFailures = new DependencyFailures();

	public DependencyFailures getDependencyFailures() {
		return this.dependencyFailures;
	}

	/**
	 * Failures of the dependencies that Fluxgate's timeouts bound.
	 */
	public static class DependencyFailures {

		/**
		 * Whether a dependency's timeout (HTTP response, R2DBC statement, Redis command) or a dependency, database or
		 * Redis that cannot be reached, when the application does not handle the error itself, answers 504, or 503
		 * with Retry-After, as a problem detail with a bounded reason, counted in fluxgate.server.dependency.failures
		 * and logged as one WARN line per kind at most every 30 s. Off, such an error is Boot's 500 with a stack
		 * trace per request.
		 */
		private boolean enabled = true;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

	}

}

package dev.fluxgate.autoconfigure;

import org.springframework.core.env.Environment;

/**
 * The {@code fluxgate.enabled} switch, read the same way by conditions and by the defaults installer (which runs
 * before any condition can be evaluated).
 */
public final class FluxgateEnablement {

	/** {@code false} turns every Fluxgate default and bean off. */
	public static final String PROPERTY = "fluxgate.enabled";

	private FluxgateEnablement() {
	}

	public static boolean isEnabled(Environment environment) {
		return environment.getProperty(PROPERTY, Boolean.class, true);
	}

}

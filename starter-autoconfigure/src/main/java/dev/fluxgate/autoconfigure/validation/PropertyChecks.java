package dev.fluxgate.autoconfigure.validation;

import java.time.Duration;

/**
 * Range checks for Fluxgate properties. Each one names the full property so the failure report points at the line
 * to change.
 */
public final class PropertyChecks {

	private final String prefix;

	private PropertyChecks(String prefix) {
		this.prefix = prefix;
	}

	/**
	 * Checks for properties under a prefix.
	 * @param prefix the properties prefix, for example {@code fluxgate.http-client.pool}
	 * @return the checks
	 */
	public static PropertyChecks forPrefix(String prefix) {
		return new PropertyChecks(prefix);
	}

	public void positive(String name, Duration value) {
		if (value == null || value.isZero() || value.isNegative()) {
			throw new InvalidPropertyException(property(name), value, "a positive duration (for example 2s)");
		}
	}

	public void between(String name, int value, int min, int max) {
		if (value < min || value > max) {
			throw new InvalidPropertyException(property(name), value, "between " + min + " and " + max);
		}
	}

	private String property(String name) {
		return this.prefix + "." + name;
	}

}

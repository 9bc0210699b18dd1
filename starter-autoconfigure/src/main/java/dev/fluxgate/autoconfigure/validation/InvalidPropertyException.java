package dev.fluxgate.autoconfigure.validation;

/**
 * A configuration property that Fluxgate cannot work with. Carries everything a user needs to fix it: the property
 * name, the value given and what would be valid; {@link InvalidPropertyFailureAnalyzer} turns it into the startup
 * report.
 */
public class InvalidPropertyException extends IllegalStateException {

	private final String property;

	private final Object value;

	private final String validRange;

	public InvalidPropertyException(String property, Object value, String validRange) {
		super("Invalid value '" + value + "' for property '" + property + "': must be " + validRange);
		this.property = property;
		this.value = value;
		this.validRange = validRange;
	}

	public String getProperty() {
		return this.property;
	}

	public Object getValue() {
		return this.value;
	}

	public String getValidRange() {
		return this.validRange;
	}

}

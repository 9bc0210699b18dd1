package dev.fluxgate.autoconfigure.validation;

import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.env.Environment;

/**
 * Reports an {@link InvalidPropertyException} as a startup failure analysis that names the property, the value, where
 * the value came from and the valid range.
 */
class InvalidPropertyFailureAnalyzer extends AbstractFailureAnalyzer<InvalidPropertyException> {

	private final Environment environment;

	InvalidPropertyFailureAnalyzer(Environment environment) {
		this.environment = environment;
	}

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, InvalidPropertyException cause) {
		ConfigurationProperty configured = find(cause.getProperty());
		Object value = (configured != null) ? configured.getValue() : cause.getValue();
		String origin = (configured != null && configured.getOrigin() != null) ? configured.getOrigin().toString()
				: "unknown";
		String description = "Invalid concurrency configuration:%n%n    Property: %s%n    Value: \"%s\"%n    Origin: %s%n    Valid: %s%n"
			.formatted(cause.getProperty(), value, origin, cause.getValidRange());
		String action = "Set '%s' to a value that is %s, or remove it to use the default."
			.formatted(cause.getProperty(), cause.getValidRange());
		return new FailureAnalysis(description, action, cause);
	}

	private ConfigurationProperty find(String property) {
		if (this.environment == null) {
			return null;
		}
		ConfigurationPropertyName name = ConfigurationPropertyName.adapt(property, '.');
		for (ConfigurationPropertySource source : ConfigurationPropertySources.get(this.environment)) {
			ConfigurationProperty found = source.getConfigurationProperty(name);
			if (found != null) {
				return found;
			}
		}
		return null;
	}

}

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
		String description = "Invalid Fluxgate configuration:%n%n    Property: %s%n    Value: \"%s\"%n    Origin: %s%n    Valid: %s%n"
			.formatted(cause.getProperty(), cause.getValue(), origin(cause.getProperty()), cause.getValidRange());
		String action = "Set '%s' to a value that is %s, or remove it to use Fluxgate's default."
			.formatted(cause.getProperty(), cause.getValidRange());
		return new FailureAnalysis(description, action, cause);
	}

	private String origin(String property) {
		ConfigurationPropertyName name = ConfigurationPropertyName.adapt(property, '.');
		for (ConfigurationPropertySource source : ConfigurationPropertySources.get(this.environment)) {
			ConfigurationProperty found = source.getConfigurationProperty(name);
			if (found != null) {
				return (found.getOrigin() != null) ? found.getOrigin().toString() : "\"" + property + "\" from property source";
			}
		}
		return "unknown";
	}

}

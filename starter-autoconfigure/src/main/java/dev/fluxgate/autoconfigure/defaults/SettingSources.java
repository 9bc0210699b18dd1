package dev.fluxgate.autoconfigure.defaults;

import java.util.Map;

import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.DefaultPropertiesPropertySource;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.PropertySource;

/**
 * Tells where the value of a property came from: a user's configuration (with its origin), a default Fluxgate
 * installed, or nowhere (the library default applies).
 */
final class SettingSources {

	static final String FLUXGATE_DEFAULT = "Fluxgate default";

	private final ConfigurableEnvironment environment;

	private final Map<String, String> installedDefaults;

	SettingSources(ConfigurableEnvironment environment, Map<String, String> installedDefaults) {
		this.environment = environment;
		this.installedDefaults = installedDefaults;
	}

	/**
	 * The source of a property's value.
	 * @param property the property name
	 * @param whenUnset what to report when no source sets it
	 * @return a short description of the source
	 */
	String sourceOf(String property, String whenUnset) {
		ConfigurationPropertyName name = ConfigurationPropertyName.of(property);
		for (ConfigurationPropertySource source : ConfigurationPropertySources.get(this.environment)) {
			ConfigurationProperty found = source.getConfigurationProperty(name);
			if (found != null) {
				if (isInstalledDefault(source, property, found)) {
					return FLUXGATE_DEFAULT;
				}
				return "user property (" + ((found.getOrigin() != null) ? found.getOrigin() : property) + ")";
			}
		}
		return whenUnset;
	}

	private boolean isInstalledDefault(ConfigurationPropertySource source, String property, ConfigurationProperty found) {
		return source.getUnderlyingSource() instanceof PropertySource<?> propertySource
				&& DefaultPropertiesPropertySource.hasMatchingName(propertySource)
				&& String.valueOf(found.getValue()).equals(this.installedDefaults.get(property));
	}

}

package dev.fluxgate.autoconfigure.defaults;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.env.DefaultPropertiesPropertySource;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.PropertySource;

/**
 * Adds values to the {@code defaultProperties} property source, the lowest precedence there is, without overwriting
 * an entry the application put there itself: every value the application sets in any way wins. The one place every
 * Fluxgate environment post-processor installs its defaults through.
 */
public final class LowestPrecedenceDefaults {

	private LowestPrecedenceDefaults() {
	}

	/**
	 * Add defaults to an environment.
	 * @param defaults property names and values
	 * @param environment the environment
	 */
	public static void add(Map<String, Object> defaults, ConfigurableEnvironment environment) {
		Map<String, Object> missing = new LinkedHashMap<>(defaults);
		PropertySource<?> existing = environment.getPropertySources().get(DefaultPropertiesPropertySource.NAME);
		if (existing != null) {
			missing.keySet().removeIf(existing::containsProperty);
		}
		DefaultPropertiesPropertySource.addOrMerge(missing, environment.getPropertySources());
	}

}

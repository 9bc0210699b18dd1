package dev.fluxgate.autoconfigure.redis;

import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.ConfigurationPropertyState;
import org.springframework.boot.env.DefaultPropertiesPropertySource;
import org.springframework.core.env.Environment;
import org.springframework.core.env.PropertySource;

/**
 * Whether the application uses Redis, for what Fluxgate reports and probes (not for what it configures: its Lettuce
 * customizers apply whenever Boot builds a client). Having Lettuce on the class path is not use: the sample app
 * carries it for a profile and switches Redis off otherwise.
 */
public final class RedisUsage {

	private static final ConfigurationPropertyName SPRING_DATA_REDIS = ConfigurationPropertyName
		.of("spring.data.redis");

	private static final ConfigurationPropertyName FLUXGATE_REDIS = ConfigurationPropertyName.of("fluxgate.redis");

	private RedisUsage() {
	}

	/**
	 * Redis is in use unless it is switched off: its health check disabled and nothing configuring or needing it
	 * (no {@code spring.data.redis.*} or {@code fluxgate.redis.*} set by the application, no Redis rate-limit
	 * backend, durable jobs off).
	 * @param environment the application's environment
	 * @return whether Redis settings and Lettuce's event loops matter to this application
	 */
	public static boolean inUse(Environment environment) {
		return environment.getProperty("management.health.redis.enabled", Boolean.class, true)
				|| environment.getProperty("fluxgate.jobs.enabled", Boolean.class, true)
				|| "redis".equalsIgnoreCase(environment.getProperty("fluxgate.rate-limit.backend"))
				|| setByApplication(environment, SPRING_DATA_REDIS) || setByApplication(environment, FLUXGATE_REDIS);
	}

	private static boolean setByApplication(Environment environment, ConfigurationPropertyName prefix) {
		for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
			// Fluxgate installs its spring.data.redis.* defaults as default properties: those are not the app's.
			boolean installedDefaults = source.getUnderlyingSource() instanceof PropertySource<?> propertySource
					&& DefaultPropertiesPropertySource.hasMatchingName(propertySource);
			if (!installedDefaults && source.containsDescendantOf(prefix) == ConfigurationPropertyState.PRESENT) {
				return true;
			}
		}
		return false;
	}

}

package dev.fluxgate.autoconfigure.health;

import java.util.Map;

import dev.fluxgate.autoconfigure.FluxgateEnablement;
import dev.fluxgate.autoconfigure.defaults.FluxgateDefaultsEnvironmentPostProcessor;
import dev.fluxgate.autoconfigure.defaults.LowestPrecedenceDefaults;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.ConfigurationPropertyState;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.util.ClassUtils;

/**
 * Puts the {@code concurrency} health component into the readiness group, at the lowest precedence. Boot's readiness
 * group contains only {@code readinessState} unless configured, and configuring the group replaces Boot's, so the
 * default keeps {@code readinessState} in it. Boot's own probe group never shows components or details, whatever the
 * health endpoint shows ({@code management.endpoint.health.show-details}); a configured group would inherit the
 * endpoint's visibility, so the default also keeps the probe at Boot's {@code {"status":"UP"}}: probes are often
 * reachable without authentication. Nothing is installed when the application configures the readiness group in any
 * way (its members and visibility are then the application's choice), when probes or the concurrency indicator are
 * disabled, or when the health module is absent: a group naming a missing component fails startup.
 */
public class ReadinessGroupDefaults implements EnvironmentPostProcessor, Ordered {

	static final String READINESS_GROUP = "management.endpoint.health.group.readiness";

	static final String INCLUDE = READINESS_GROUP + ".include";

	static final String MEMBERS = "readinessState,concurrency";

	/** What Boot's own probe group shows: the status alone. */
	private static final String SHOWN = "never";

	private static final String HEALTH_INDICATOR_CLASS = "org.springframework.boot.health.contributor.ReactiveHealthIndicator";

	private static final String HEALTH_ENDPOINT_CLASS = "org.springframework.boot.health.actuate.endpoint.HealthEndpointGroups";

	private static final String METER_REGISTRY_CLASS = "io.micrometer.core.instrument.MeterRegistry";

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		install(environment, application.getClassLoader());
	}

	static void install(ConfigurableEnvironment environment, ClassLoader classLoader) {
		if (!FluxgateEnablement.isEnabled(environment) || !ClassUtils.isPresent(HEALTH_INDICATOR_CLASS, classLoader)
				|| !ClassUtils.isPresent(HEALTH_ENDPOINT_CLASS, classLoader)
				|| !ClassUtils.isPresent(METER_REGISTRY_CLASS, classLoader)) {
			return;
		}
		boolean probes = environment.getProperty("management.endpoint.health.probes.enabled", Boolean.class, true);
		boolean defaults = environment.getProperty("management.health.defaults.enabled", Boolean.class, true);
		boolean concurrency = environment.getProperty("management.health.concurrency.enabled", Boolean.class,
				defaults);
		if (!probes || !concurrency || readinessGroupConfigured(environment)) {
			return;
		}
		LowestPrecedenceDefaults.add(Map.of(INCLUDE, MEMBERS, READINESS_GROUP + ".show-components", SHOWN,
				READINESS_GROUP + ".show-details", SHOWN), environment);
	}

	private static boolean readinessGroupConfigured(ConfigurableEnvironment environment) {
		ConfigurationPropertyName group = ConfigurationPropertyName.of(READINESS_GROUP);
		for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
			if (source.containsDescendantOf(group) == ConfigurationPropertyState.PRESENT
					|| source.getConfigurationProperty(group) != null) {
				return true;
			}
		}
		return false;
	}

	@Override
	public int getOrder() {
		return FluxgateDefaultsEnvironmentPostProcessor.ORDER + 1;
	}

}

package dev.fluxgate.autoconfigure.dependency;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.fluxgate.autoconfigure.FluxgateEnablement;
import dev.fluxgate.autoconfigure.defaults.FluxgateDefaultsEnvironmentPostProcessor;
import dev.fluxgate.autoconfigure.defaults.LowestPrecedenceDefaults;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Installs {@link CircuitBreakerDefaults} into {@code defaultProperties} (the lowest precedence): the shared config,
 * and {@code base-config=fluxgate} for every dependency named under {@code fluxgate.dependencies} or
 * {@code spring.http.serviceclient}. Runs after config data, since the names come from the application's
 * configuration.
 */
public class CircuitBreakerDefaultsEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		install(environment);
	}

	static void install(ConfigurableEnvironment environment) {
		if (!FluxgateEnablement.isEnabled(environment)) {
			return;
		}
		Map<String, Object> defaults = new LinkedHashMap<>(CircuitBreakerDefaults.sharedConfig());
		defaults.putAll(CircuitBreakerDefaults.rateLimitRedis());
		Binder binder = Binder.get(environment);
		Bindable<Map<String, Object>> names = Bindable.mapOf(String.class, Object.class);
		binder.bind("fluxgate.dependencies", names)
			.ifBound((dependencies) -> dependencies.keySet()
				.forEach((name) -> defaults.putAll(CircuitBreakerDefaults.instanceBase(name))));
		binder.bind("spring.http.serviceclient", names)
			.ifBound((groups) -> groups.keySet()
				.forEach((name) -> defaults.putAll(CircuitBreakerDefaults.instanceBase(name))));
		LowestPrecedenceDefaults.add(defaults, environment);
	}

	@Override
	public int getOrder() {
		return FluxgateDefaultsEnvironmentPostProcessor.ORDER;
	}

}

package dev.fluxgate.test;

import dev.fluxgate.autoconfigure.defaults.FluxgateDefaultsEnvironmentPostProcessor;

import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Context runners do not run environment post-processors; this applies Fluxgate's defaults the same way, with the
 * context's (possibly filtered) class loader.
 */
public class FluxgateDefaultsInitializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {

	@Override
	public void initialize(ConfigurableApplicationContext context) {
		FluxgateDefaultsEnvironmentPostProcessor.install(context.getEnvironment(), context.getClassLoader());
	}

}

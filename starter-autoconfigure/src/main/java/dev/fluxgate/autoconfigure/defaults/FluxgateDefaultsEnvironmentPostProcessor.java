package dev.fluxgate.autoconfigure.defaults;

import dev.fluxgate.autoconfigure.FluxgateEnablement;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Installs {@link BootPropertyDefaults} into the {@code defaultProperties} property source, the lowest precedence
 * there is: any value the application sets in any other way wins, and so does an entry the application put into
 * {@code defaultProperties} itself. Runs after config data is loaded, because whether the R2DBC pool defaults are
 * safe depends on the application's {@code spring.r2dbc.url}.
 */
public class FluxgateDefaultsEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

	/** After {@code ConfigDataEnvironmentPostProcessor}, so application.properties is visible. */
	public static final int ORDER = Ordered.LOWEST_PRECEDENCE - 100;

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		install(environment, application.getClassLoader());
	}

	/**
	 * Install the defaults that apply to an environment, unless Fluxgate is disabled.
	 * @param environment the environment
	 * @param classLoader the application's class loader
	 */
	public static void install(ConfigurableEnvironment environment, ClassLoader classLoader) {
		if (!FluxgateEnablement.isEnabled(environment)) {
			return;
		}
		LowestPrecedenceDefaults.add(BootPropertyDefaults.applicableTo(environment, classLoader), environment);
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

}

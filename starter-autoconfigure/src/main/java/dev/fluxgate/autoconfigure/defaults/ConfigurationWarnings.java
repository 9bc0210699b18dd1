package dev.fluxgate.autoconfigure.defaults;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.BeanClassLoaderAware;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.util.ClassUtils;

/**
 * Tells the application, once at startup, when a setting cannot do what it looks like it does: one WARN per unknown
 * {@code fluxgate.*} key ({@link UnknownPropertyCheck}) and one per value that switches off a guard Fluxgate installs
 * ({@link SwitchedOffGuardCheck}). Neither stops the application: the first is ignored by binding, the second may be
 * deliberate.
 */
public class ConfigurationWarnings implements SmartInitializingSingleton, BeanClassLoaderAware {

	private static final Logger logger = LoggerFactory.getLogger(ConfigurationWarnings.class);

	private final ConfigurableEnvironment environment;

	private ClassLoader classLoader = ClassUtils.getDefaultClassLoader();

	public ConfigurationWarnings(ConfigurableEnvironment environment) {
		this.environment = environment;
	}

	@Override
	public void setBeanClassLoader(ClassLoader classLoader) {
		this.classLoader = classLoader;
	}

	/**
	 * The warnings for the environment as it is now.
	 * @return one sentence per finding
	 */
	public List<String> warnings() {
		FluxgatePropertyMetadata metadata = FluxgatePropertyMetadata.load(this.classLoader);
		List<String> warnings = new ArrayList<>(new UnknownPropertyCheck(metadata).warnings(this.environment));
		warnings.addAll(new SwitchedOffGuardCheck(metadata, this.classLoader).warnings(this.environment));
		return warnings;
	}

	@Override
	public void afterSingletonsInstantiated() {
		if (logger.isWarnEnabled()) {
			warnings().forEach(logger::warn);
		}
	}

}

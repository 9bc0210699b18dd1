package dev.fluxgate.autoconfigure.defaults;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.web.context.reactive.ConfigurableReactiveWebEnvironment;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Builds the {@link ConcurrencySettingsReport} and, once every singleton exists, logs it: one INFO block with each
 * effective setting and its source (in a reactive web application only: elsewhere the server, offload and request
 * settings mean nothing), and one WARN per pair of settings that contradict each other.
 */
public class ConcurrencySettingsReporter implements SmartInitializingSingleton {

	private static final Logger logger = LoggerFactory.getLogger(ConcurrencySettingsReporter.class);

	private final ConfigurableEnvironment environment;

	private final List<ConcurrencySettingsContributor> contributors;

	public ConcurrencySettingsReporter(ConfigurableEnvironment environment,
			List<ConcurrencySettingsContributor> contributors) {
		this.environment = environment;
		this.contributors = List.copyOf(contributors);
	}

	private boolean isReactiveWebApplication() {
		return this.environment instanceof ConfigurableReactiveWebEnvironment;
	}

	/**
	 * The effective settings now.
	 * @return a new report
	 */
	public ConcurrencySettingsReport report() {
		ConcurrencySettingsCollector collector = new ConcurrencySettingsCollector(this.environment);
		this.contributors.forEach((contributor) -> contributor.contribute(collector));
		return collector.build();
	}

	@Override
	public void afterSingletonsInstantiated() {
		ConcurrencySettingsReport report = report();
		if (logger.isInfoEnabled() && isReactiveWebApplication()) {
			logger.info("Fluxgate concurrency settings:{}{}", System.lineSeparator(), report.format());
		}
		report.incoherences().forEach(logger::warn);
	}

}

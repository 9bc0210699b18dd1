package dev.fluxgate.autoconfigure.defaults;

/**
 * Adds the settings of one concern (HTTP client, R2DBC, Redis, server, ...) to the concurrency settings report. Each
 * Fluxgate auto-configuration registers one, so the report covers exactly what is active.
 */
@FunctionalInterface
public interface ConcurrencySettingsContributor {

	/**
	 * Describe the effective settings of this concern.
	 * @param settings the collector to add to
	 */
	void contribute(ConcurrencySettingsCollector settings);

}

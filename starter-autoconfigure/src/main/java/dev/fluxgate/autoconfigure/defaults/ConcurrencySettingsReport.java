package dev.fluxgate.autoconfigure.defaults;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The effective concurrency settings of an application, each with its source, plus the combinations that are each
 * valid but do not work together.
 *
 * @param settings every setting, grouped in a stable order
 * @param incoherences one sentence per pair of settings that contradict each other, naming both properties
 */
public record ConcurrencySettingsReport(List<ConcurrencySetting> settings, List<String> incoherences) {

	/**
	 * A compact multi-line rendering for the startup log.
	 * @return the report text
	 */
	public String format() {
		int width = this.settings.stream().mapToInt((setting) -> setting.name().length()).max().orElse(10);
		return this.settings.stream()
			.map((setting) -> String.format("  %-12s %-" + width + "s = %-12s [%s]", setting.group(), setting.name(),
					setting.value(), setting.source()))
			.collect(Collectors.joining(System.lineSeparator()));
	}

}

package dev.fluxgate.autoconfigure.defaults;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Collects {@link ConcurrencySetting}s from {@link ConcurrencySettingsContributor}s and the pairs of settings that
 * contradict each other.
 */
public final class ConcurrencySettingsCollector {

	private final ConfigurableEnvironment environment;

	private final SettingSources sources;

	private final Binder binder;

	private final List<ConcurrencySetting> settings = new ArrayList<>();

	private final List<String> incoherences = new ArrayList<>();

	ConcurrencySettingsCollector(ConfigurableEnvironment environment) {
		this.environment = environment;
		Map<String, String> installed = new LinkedHashMap<>();
		BootPropertyDefaults.all().forEach((entry) -> installed.put(entry.property(), entry.value()));
		this.sources = new SettingSources(environment, installed);
		this.binder = Binder.get(environment);
	}

	/**
	 * Add a Boot-owned property, read from the environment.
	 * @param group the concern
	 * @param property the property name
	 * @param libraryDefault what applies when nothing sets it
	 */
	public void bootProperty(String group, String property, String libraryDefault) {
		String value = this.environment.getProperty(property);
		String source = this.sources.sourceOf(property, "library default");
		this.settings.add(new ConcurrencySetting(group, property, (value != null) ? value : libraryDefault, source));
	}

	/**
	 * Add a Fluxgate property whose bound value is known.
	 * @param group the concern
	 * @param property the property name
	 * @param value the bound value
	 */
	public void fluxgateProperty(String group, String property, Object value) {
		this.settings.add(new ConcurrencySetting(group, property, format(value),
				this.sources.sourceOf(property, SettingSources.FLUXGATE_DEFAULT)));
	}

	/**
	 * Add a setting whose value comes from somewhere other than a property, such as a user's bean.
	 * @param group the concern
	 * @param name a descriptive key
	 * @param value the value
	 * @param source where it came from
	 */
	public void value(String group, String name, Object value, String source) {
		this.settings.add(new ConcurrencySetting(group, name, format(value), source));
	}

	/**
	 * Read a duration property as the application will see it.
	 * @param property the property name
	 * @return the duration, if set anywhere
	 */
	public Optional<Duration> duration(String property) {
		return Optional.ofNullable(this.binder.bind(property, Duration.class).orElse(null));
	}

	/**
	 * Record that two settings, each valid, do not work together.
	 * @param message a sentence naming both properties and their values
	 */
	public void incoherent(String message) {
		this.incoherences.add(message);
	}

	/**
	 * Warn when a wait in front of a call is longer than the call's own timeout: the outer request gives up while
	 * the wait still goes on.
	 * @param innerProperty the property of the wait that should be shorter
	 * @param inner its value
	 * @param outerProperty the property of the timeout that should be longer
	 */
	public void requireNotLonger(String innerProperty, Duration inner, String outerProperty) {
		duration(outerProperty).filter((outer) -> !outer.isZero() && !outer.isNegative() && inner.compareTo(outer) > 0)
			.ifPresent((outer) -> incoherent("%s (%s) is longer than %s (%s): callers give up before the wait ends."
				.formatted(innerProperty, format(inner), outerProperty, format(outer))));
	}

	/**
	 * A value as users write it in their configuration: durations as {@code 20s} (not {@code PT20S}), enums as
	 * {@code reject-commands}, an absent value as {@code none}.
	 * @param value the value
	 * @return its text
	 */
	public static String format(Object value) {
		if (value == null) {
			return "none";
		}
		if (value instanceof Duration duration) {
			for (ChronoUnit unit : List.of(ChronoUnit.DAYS, ChronoUnit.HOURS, ChronoUnit.MINUTES, ChronoUnit.SECONDS)) {
				if (!duration.isZero() && duration.toNanos() % unit.getDuration().toNanos() == 0) {
					return DurationStyle.SIMPLE.print(duration, unit);
				}
			}
			return DurationStyle.SIMPLE.print(duration, ChronoUnit.MILLIS);
		}
		if (value instanceof Enum<?> constant) {
			return constant.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
		}
		return String.valueOf(value);
	}

	ConcurrencySettingsReport build() {
		return new ConcurrencySettingsReport(List.copyOf(this.settings), List.copyOf(this.incoherences));
	}

}

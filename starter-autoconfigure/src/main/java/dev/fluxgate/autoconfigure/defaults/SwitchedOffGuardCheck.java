package dev.fluxgate.autoconfigure.defaults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.util.unit.DataSize;

/**
 * Finds values the application set that switch off a bound Fluxgate installs: a zero or negative timeout means "no
 * timeout" to the libraries beneath (so {@code spring.r2dbc.pool.max-acquire-time=-1s} or a zero
 * {@code fluxgate.server.read-timeout} quietly restores the unbounded wait), and {@code -1} means "unlimited" for
 * counts and sizes. Each is reported once, naming the property, its value, its origin and the failure the bound
 * prevents. The guards come from Fluxgate's own declarations, not from a list kept here:
 * <ul>
 * <li>the Boot properties Fluxgate gives a default ({@link BootPropertyDefaults}), when the default applies to this
 * application. r2dbc-pool reads only a negative duration as "no timeout" (zero fails at once), the others (Reactor
 * Netty, Netty, Lettuce) zero as well;</li>
 * <li>the {@code fluxgate.*} timeouts of the configuration metadata ({@code Duration} properties named
 * {@code ...timeout} or {@code ...-time}) with a positive default, which zero switches off.</li>
 * </ul>
 * Values Fluxgate installed itself are never reported.
 */
final class SwitchedOffGuardCheck {

	private static final Pattern WHOLE_NUMBER = Pattern.compile("-?\\d+");

	private static final String R2DBC_POOL_PREFIX = "spring.r2dbc.pool.";

	private final FluxgatePropertyMetadata metadata;

	private final ClassLoader classLoader;

	SwitchedOffGuardCheck(FluxgatePropertyMetadata metadata, ClassLoader classLoader) {
		this.metadata = metadata;
		this.classLoader = classLoader;
	}

	/**
	 * One warning per property whose configured value switches off its guard.
	 * @param environment the application's environment
	 * @return the warnings
	 */
	List<String> warnings(ConfigurableEnvironment environment) {
		Map<String, String> installed = new LinkedHashMap<>();
		BootPropertyDefaults.all().forEach((entry) -> installed.put(entry.property(), entry.value()));
		SettingSources sources = new SettingSources(environment, installed);
		List<String> warnings = new ArrayList<>();
		Set<String> guarded = BootPropertyDefaults.guardedProperties(environment, this.classLoader);
		for (BootPropertyDefault guard : BootPropertyDefaults.all()) {
			String value = environment.getProperty(guard.property());
			String source = sources.sourceOf(guard.property(), null);
			if (guarded.contains(guard.property()) && value != null && isUserValue(source)
					&& switchesOff(guard.property(), guard.value(), value)) {
				warnings.add(warning(guard.property(), value, source, guard.value(), guard.reason()));
			}
		}
		Binder binder = Binder.get(environment);
		for (FluxgatePropertyMetadata.Property property : this.metadata.properties()) {
			if (isFluxgateTimeout(property)) {
				Duration value = binder.bind(property.name(), Duration.class).orElse(null);
				String source = sources.sourceOf(property.name(), null);
				if (value != null && isUserValue(source) && !isPositive(value)) {
					warnings.add(warning(property.name(), environment.getProperty(property.name()), source,
							property.defaultValue(), failure(property.description())));
				}
			}
		}
		return warnings;
	}

	private static boolean isUserValue(String source) {
		return source != null && !SettingSources.FLUXGATE_DEFAULT.equals(source);
	}

	/** Whether a value means "no bound", read the way the default it replaces is written. */
	static boolean switchesOff(String property, String defaultValue, String value) {
		try {
			if (WHOLE_NUMBER.matcher(defaultValue).matches()) {
				return Long.parseLong(value.trim()) < 0;
			}
			Optional<Duration> duration = duration(defaultValue).flatMap((ignored) -> duration(value));
			if (duration.isPresent()) {
				Duration parsed = duration.get();
				return property.startsWith(R2DBC_POOL_PREFIX) ? parsed.isNegative() : !isPositive(parsed);
			}
			return DataSize.parse(defaultValue) != null && DataSize.parse(value.trim()).isNegative();
		}
		catch (RuntimeException ex) {
			// Not a value of the default's kind: Boot reports it when binding.
			return false;
		}
	}

	private static Optional<Duration> duration(String text) {
		try {
			return Optional.of(DurationStyle.detectAndParse(text.trim()));
		}
		catch (RuntimeException ex) {
			return Optional.empty();
		}
	}

	private static boolean isFluxgateTimeout(FluxgatePropertyMetadata.Property property) {
		if (!"java.time.Duration".equals(property.type()) || property.defaultValue() == null
				|| !(property.name().endsWith("timeout") || property.name().endsWith("-time"))) {
			return false;
		}
		return duration(property.defaultValue()).filter(SwitchedOffGuardCheck::isPositive).isPresent();
	}

	private static boolean isPositive(Duration duration) {
		return !duration.isNegative() && !duration.isZero();
	}

	/** What a property's Javadoc says it bounds and why, without how to switch it off. */
	private static String failure(String description) {
		if (description == null) {
			return "see its description in the configuration metadata";
		}
		StringBuilder failure = new StringBuilder();
		String[] sentences = description.split("(?<=\\.)\\s+");
		for (int i = 0; i < Math.min(3, sentences.length); i++) {
			if (!sentences[i].contains("disables")) {
				failure.append((failure.length() > 0) ? " " : "").append(sentences[i]);
			}
		}
		return failure.toString();
	}

	private static String warning(String property, String value, String source, String defaultValue, String lost) {
		return "%s=%s [%s] switches off a guard Fluxgate installs (default %s): %s".formatted(property, value, source,
				defaultValue, lost);
	}

}

package dev.fluxgate.autoconfigure.defaults;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * Finds {@code fluxgate.*} keys that no Fluxgate property binds: a typo such as
 * {@code fluxgate.server.request-timout} is otherwise ignored without a word, and the default it meant to change
 * stays in force. Each is reported once, with its origin and the closest declared name. Names compare as Boot binds
 * them ({@code requestTimeout}, {@code request-timeout} and, from the environment, {@code REQUEST_TIMEOUT} are the
 * same); keys below a map or list property ({@code fluxgate.dependencies.<name>.*},
 * {@code fluxgate.rate-limit.policies.<name>.*}, {@code fluxgate.offload.blocking.exclude[0]}) are the application's
 * own names and never reported.
 */
final class UnknownPropertyCheck {

	private final List<Known> known = new ArrayList<>();

	UnknownPropertyCheck(FluxgatePropertyMetadata metadata) {
		metadata.properties()
			.forEach((property) -> this.known.add(new Known(ConfigurationPropertyName.of(property.name()),
					loose(property.name()), property.hasEntries())));
	}

	/**
	 * One warning per unknown {@code fluxgate.*} key set anywhere in the environment.
	 * @param environment the application's environment
	 * @return the warnings, in property source order; empty when the metadata declares nothing
	 */
	List<String> warnings(ConfigurableEnvironment environment) {
		if (this.known.isEmpty()) {
			return List.of();
		}
		Map<String, String> unknown = new LinkedHashMap<>();
		for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
			if (!(source instanceof IterableConfigurationPropertySource iterable)) {
				continue;
			}
			boolean fromEnvironmentVariables = source.getUnderlyingSource() instanceof SystemEnvironmentPropertySource;
			iterable.stream()
				.filter((name) -> !name.isEmpty() && "fluxgate".equals(name.getElement(0, ConfigurationPropertyName.Form.UNIFORM)))
				.filter((name) -> !isKnown(name, fromEnvironmentVariables))
				.forEach((name) -> unknown.putIfAbsent(name.toString(), origin(source, name)));
		}
		List<String> warnings = new ArrayList<>();
		unknown.forEach((name, origin) -> warnings.add(warning(name, origin)));
		return warnings;
	}

	private boolean isKnown(ConfigurationPropertyName name, boolean fromEnvironmentVariables) {
		if (fromEnvironmentVariables) {
			// FLUXGATE_SERVER_REQUEST_TIMEOUT maps to fluxgate.server.request.timeout: compare without separators.
			String loose = loose(name.toString());
			return this.known.stream()
				.anyMatch((known) -> known.loose().equals(loose) || (known.hasEntries() && loose.startsWith(known.loose())));
		}
		return this.known.stream()
			.anyMatch((known) -> known.name().equals(name) || (known.hasEntries() && known.name().isAncestorOf(name)));
	}

	private static String origin(ConfigurationPropertySource source, ConfigurationPropertyName name) {
		ConfigurationProperty property = source.getConfigurationProperty(name);
		return (property != null && property.getOrigin() != null) ? property.getOrigin().toString()
				: String.valueOf(source.getUnderlyingSource());
	}

	private String warning(String name, String origin) {
		Known closest = null;
		int distance = Integer.MAX_VALUE;
		for (Known candidate : this.known) {
			int candidateDistance = editDistance(name, candidate.name().toString());
			if (candidateDistance < distance) {
				closest = candidate;
				distance = candidateDistance;
			}
		}
		String suggestion = (closest != null && distance <= Math.max(3, name.length() / 4))
				? "did you mean '" + closest.name() + "'?"
				: "no Fluxgate property has a similar name (see the README's property reference)";
		return "Unknown property '%s' (%s) is ignored: %s".formatted(name, origin, suggestion);
	}

	private static String loose(String name) {
		StringBuilder loose = new StringBuilder(name.length());
		for (char c : name.toCharArray()) {
			if (Character.isLetterOrDigit(c)) {
				loose.append(c);
			}
		}
		return loose.toString().toLowerCase(Locale.ROOT);
	}

	/** Levenshtein distance: insertions, deletions and substitutions each count one. */
	static int editDistance(String a, String b) {
		int[] previous = new int[b.length() + 1];
		int[] current = new int[b.length() + 1];
		for (int j = 0; j <= b.length(); j++) {
			previous[j] = j;
		}
		for (int i = 1; i <= a.length(); i++) {
			current[0] = i;
			for (int j = 1; j <= b.length(); j++) {
				int substitution = previous[j - 1] + ((a.charAt(i - 1) == b.charAt(j - 1)) ? 0 : 1);
				current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
			}
			int[] swap = previous;
			previous = current;
			current = swap;
		}
		return previous[b.length()];
	}

	private record Known(ConfigurationPropertyName name, String loose, boolean hasEntries) {

	}

}

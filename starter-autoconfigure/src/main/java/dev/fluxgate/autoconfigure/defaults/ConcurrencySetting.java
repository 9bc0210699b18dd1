package dev.fluxgate.autoconfigure.defaults;

/**
 * One effective concurrency setting and where its value came from.
 *
 * @param group what the setting limits, for example {@code http-client}
 * @param name the property (or, for values without one, a descriptive key)
 * @param value the effective value
 * @param source where the value came from: {@code Fluxgate default}, {@code user property (origin)},
 * {@code user bean 'name'}, or the library default
 */
public record ConcurrencySetting(String group, String name, String value, String source) {

}

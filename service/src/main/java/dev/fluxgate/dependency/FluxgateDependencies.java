package dev.fluxgate.dependency;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

import org.springframework.web.reactive.function.client.WebClient;

/**
 * The named dependencies of the application ({@code fluxgate.dependencies.<name>.*}) and WebClients that call them
 * through their guards:
 * <pre class="code">
 * &#64;Bean
 * CatalogClient catalogClient(FluxgateDependencies dependencies) {
 *     return new CatalogClient(dependencies.webClient("catalog"));
 * }
 * </pre>
 * Builders start from the auto-configured {@code WebClient.Builder} (Boot's customizers, codecs, observation,
 * Fluxgate's connection pool), then get the dependency's base URL and its guard filter. HTTP service client groups
 * ({@code @ImportHttpServices(group = "catalog")}) are guarded automatically: a group is the dependency of the same
 * name.
 * <p>
 * The application's entry point to its dependencies, public for that reason; the starter's auto-configuration builds
 * the one instance from {@code fluxgate.dependencies.*}.
 */
public final class FluxgateDependencies {

	private final Map<String, DependencyGuard> guards = new ConcurrentHashMap<>();

	private final Map<String, String> baseUrls;

	private final Function<String, DependencyGuard> defaultGuard;

	private final Supplier<WebClient.Builder> builders;

	/**
	 * The dependencies, as the auto-configuration builds them.
	 * @param configured the guard of each configured dependency
	 * @param baseUrls the base URL of each configured dependency (empty for none)
	 * @param defaultGuard the guard of an HTTP service client group that is not configured, created on first use
	 * @param builders new auto-configured {@code WebClient.Builder}s
	 */
	public FluxgateDependencies(Map<String, DependencyGuard> configured, Map<String, String> baseUrls,
			Function<String, DependencyGuard> defaultGuard, Supplier<WebClient.Builder> builders) {
		this.guards.putAll(configured);
		this.baseUrls = Map.copyOf(baseUrls);
		this.defaultGuard = defaultGuard;
		this.builders = builders;
	}

	/**
	 * A new {@code WebClient.Builder} for a configured dependency: base URL and guards applied. Every other filter,
	 * those the customizers added and those added to it later, runs inside the guards (once per attempt).
	 * @param name the dependency's name
	 * @return a new builder
	 * @throws IllegalArgumentException when no {@code fluxgate.dependencies.<name>} is configured
	 */
	public WebClient.Builder webClientBuilder(String name) {
		return configure(name, this.builders.get(), guard(name));
	}

	/**
	 * Like {@link #webClientBuilder(String)}, answering calls refused by the bulkhead or the open circuit with a
	 * fallback instead of a 503.
	 * @param name the dependency's name
	 * @param fallback the fallback
	 * @return a new builder
	 */
	public WebClient.Builder webClientBuilder(String name, DependencyFallback fallback) {
		return configure(name, this.builders.get(), guard(name).withFallback(fallback));
	}

	/**
	 * A WebClient for a configured dependency.
	 * @param name the dependency's name
	 * @return a new client
	 */
	public WebClient webClient(String name) {
		return webClientBuilder(name).build();
	}

	/**
	 * The guard of a configured dependency, to add to a builder of your own with {@code builder.filter(...)}.
	 * @param name the dependency's name
	 * @return its guard
	 */
	public DependencyGuard guard(String name) {
		DependencyGuard guard = this.guards.get(name);
		if (guard == null || !configuredNames().contains(name)) {
			throw new IllegalArgumentException("No dependency named '" + name + "': configure fluxgate.dependencies."
					+ name + ".* (known: " + configuredNames() + ")");
		}
		return guard;
	}

	/**
	 * The names of every guarded dependency (configured ones and HTTP service client groups seen so far).
	 * @return the names, sorted
	 */
	public Set<String> names() {
		return new TreeSet<>(this.guards.keySet());
	}

	private Set<String> configuredNames() {
		return this.baseUrls.keySet();
	}

	/**
	 * Guard the builder of an HTTP service client group with its dependency's guard: the configured one of the same
	 * name, or one with Fluxgate's defaults.
	 * @param name the group's name
	 * @param builder the group's builder
	 * @return the builder
	 */
	public WebClient.Builder guardGroup(String name, WebClient.Builder builder) {
		return configure(name, builder, this.guards.computeIfAbsent(name, this.defaultGuard));
	}

	private WebClient.Builder configure(String name, WebClient.Builder builder, DependencyGuard guard) {
		String baseUrl = this.baseUrls.get(name);
		if (baseUrl != null && !baseUrl.isEmpty()) {
			builder.baseUrl(baseUrl);
		}
		// Outermost: the filters already on the builder (Fluxgate's deadline filter, the application's customizers)
		// run inside the guard, once per attempt, so a retry forwards the budget left when it is sent.
		return builder.filters((filters) -> filters.add(0, guard));
	}

}

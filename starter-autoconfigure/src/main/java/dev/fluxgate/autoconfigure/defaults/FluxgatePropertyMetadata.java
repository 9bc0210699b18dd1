package dev.fluxgate.autoconfigure.defaults;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.json.JsonParserFactory;

/**
 * The {@code fluxgate.*} properties declared in the configuration metadata on the class path (the generated
 * {@code META-INF/spring-configuration-metadata.json} and {@code additional-spring-configuration-metadata.json}): the
 * one list of what Fluxgate understands, kept in step with the code by the annotation processor.
 */
final class FluxgatePropertyMetadata {

	static final String PREFIX = "fluxgate.";

	private static final List<String> LOCATIONS = List.of("META-INF/spring-configuration-metadata.json",
			"META-INF/additional-spring-configuration-metadata.json");

	private final Map<String, Property> properties;

	private FluxgatePropertyMetadata(Map<String, Property> properties) {
		this.properties = Collections.unmodifiableMap(properties);
	}

	/**
	 * Read the metadata visible to a class loader.
	 * @param classLoader the application's class loader
	 * @return the Fluxgate properties, empty when no metadata is found
	 */
	static FluxgatePropertyMetadata load(ClassLoader classLoader) {
		Map<String, Property> properties = new LinkedHashMap<>();
		for (String location : LOCATIONS) {
			try {
				Enumeration<URL> resources = classLoader.getResources(location);
				while (resources.hasMoreElements()) {
					read(resources.nextElement(), properties);
				}
			}
			catch (IOException | RuntimeException ex) {
				// Unreadable metadata: check less rather than warn about what cannot be known.
			}
		}
		return new FluxgatePropertyMetadata(properties);
	}

	@SuppressWarnings("unchecked")
	private static void read(URL resource, Map<String, Property> properties) throws IOException {
		String json;
		try (InputStream in = resource.openStream()) {
			json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		if (!json.contains("\"" + PREFIX)) {
			// Every module of Boot ships its own metadata (28 files, 450 KB in a WebFlux app): parse Fluxgate's only.
			return;
		}
		Object declared = JsonParserFactory.getJsonParser().parseMap(json).get("properties");
		if (!(declared instanceof List<?> list)) {
			return;
		}
		for (Object entry : list) {
			if (entry instanceof Map<?, ?> map && map.get("name") instanceof String name && name.startsWith(PREFIX)) {
				Map<String, Object> fields = (Map<String, Object>) map;
				properties.putIfAbsent(name, new Property(name, text(fields.get("type")), text(fields.get("defaultValue")),
						text(fields.get("description"))));
			}
		}
	}

	private static String text(Object value) {
		return (value != null) ? String.valueOf(value) : null;
	}

	/**
	 * The declared properties.
	 * @return the properties, in metadata order
	 */
	Collection<Property> properties() {
		return this.properties.values();
	}

	boolean isEmpty() {
		return this.properties.isEmpty();
	}

	/**
	 * A declared property.
	 *
	 * @param name its name
	 * @param type its Java type, as the metadata writes it ({@code java.time.Duration},
	 * {@code java.util.Map<java.lang.String,...>})
	 * @param defaultValue its default, if it has one
	 * @param description its Javadoc, if it has one
	 */
	record Property(String name, String type, @Nullable String defaultValue, @Nullable String description) {

		/**
		 * Whether the property holds entries below its own name: a map ({@code fluxgate.dependencies.<name>.*}) or a
		 * list ({@code fluxgate.offload.blocking.exclude[0]}).
		 * @return {@code true} for maps, collections and arrays
		 */
		boolean hasEntries() {
			return this.type != null && (this.type.startsWith("java.util.Map") || this.type.startsWith("java.util.List")
					|| this.type.startsWith("java.util.Set") || this.type.startsWith("java.util.Collection")
					|| this.type.endsWith("[]"));
		}

	}

}

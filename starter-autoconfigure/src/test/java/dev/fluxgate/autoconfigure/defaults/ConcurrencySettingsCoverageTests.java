package dev.fluxgate.autoconfigure.defaults;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import dev.fluxgate.test.FluxgateTestApplication;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The settings report names properties by hand, one contributor per concern. Every bound {@code fluxgate.*} property
 * (from the configuration metadata the build generates) must be reported, or be listed here with the reason it is
 * not: a property added without a report line fails this test.
 */
class ConcurrencySettingsCoverageTests {

	/** Properties deliberately left out of the report, with the reason. */
	private static final Map<String, String> NOT_REPORTED = Map.ofEntries(
			Map.entry("fluxgate.enabled", "when false there is no report at all"),
			Map.entry("fluxgate.dependencies", "a map: each dependency's own properties are reported"),
			Map.entry("fluxgate.rate-limit.policies", "a map: each policy's own properties are reported"),
			Map.entry("fluxgate.jobs.queues", "a map: per-queue overrides of the reported jobs settings"),
			Map.entry("fluxgate.rate-limit.enabled", "when false the rate-limit section is absent"),
			Map.entry("fluxgate.jobs.enabled", "when false the jobs section is absent"),
			Map.entry("fluxgate.overload.dependency-failures.enabled", "logging only, no limit"),
			Map.entry("fluxgate.metrics.r2dbc-acquire.enabled", "a meter switch, no limit"),
			Map.entry("fluxgate.offload.bounded-elastic-metrics", "a meter switch, no limit"));

	@Test
	void everyBoundFluxgatePropertyIsReported() throws IOException {
		Set<String> bound = boundProperties();
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(FluxgateTestApplication.class)
			.web(WebApplicationType.REACTIVE)
			.run("--server.port=0", "--spring.r2dbc.url=r2dbc:h2:mem:///coverage", "--spring.data.redis.port=6390",
					"--fluxgate.rate-limit.policies.api.paths=/api/**", "--fluxgate.rate-limit.policies.api.per-second=5",
					"--fluxgate.dependencies.catalog.base-url=http://127.0.0.1:9")) {
			Set<String> reported = context.getBean(ConcurrencySettingsReporter.class)
				.report()
				.settings()
				.stream()
				.map(ConcurrencySetting::name)
				.collect(Collectors.toSet());
			Set<String> missing = new TreeSet<>(bound);
			missing.removeAll(reported);
			missing.removeAll(NOT_REPORTED.keySet());
			assertThat(missing).as("bound fluxgate.* properties missing from the settings report").isEmpty();
		}
	}

	private static Set<String> boundProperties() throws IOException {
		Set<String> names = new TreeSet<>();
		for (Resource resource : new PathMatchingResourcePatternResolver()
			.getResources("classpath*:META-INF/spring-configuration-metadata.json")) {
			try (InputStream metadata = resource.getInputStream()) {
				JsonNode root = JsonMapper.builder().build().readTree(metadata);
				root.get("properties").forEach((property) -> {
					String name = property.get("name").asString();
					if (name.startsWith("fluxgate.") && property.get("deprecation") == null) {
						names.add(name);
					}
				});
			}
		}
		assertThat(names).as("Fluxgate's generated configuration metadata").isNotEmpty();
		return names;
	}

}

package dev.fluxgate.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.jayway.jsonpath.JsonPath;
import dev.fluxgate.autoconfigure.defaults.BootPropertyDefaults;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's tables are checked against the generated configuration metadata and the installed defaults, so the
 * documentation cannot drift from the code.
 */
class FluxgateReadmeTests {

	@Test
	void everyFluxgatePropertyIsInTheReadmeWithItsDefault() throws IOException {
		String readme = readme();
		List<String> rows;
		try (InputStream metadata = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
			assertThat(metadata).as("generated configuration metadata").isNotNull();
			String json = new String(metadata.readAllBytes(), StandardCharsets.UTF_8);
			List<String> names = JsonPath.read(json, "$.properties[*].name");
			List<Object> defaults = JsonPath.read(json, "$.properties[*].defaultValue");
			List<String> descriptions = JsonPath.read(json, "$.properties[*].description");
			assertThat(names).isNotEmpty();
			for (int i = 0; i < names.size(); i++) {
				String name = names.get(i);
				assertThat(descriptions.get(i)).as("Javadoc of %s", name).isNotBlank();
				Object value = defaults.get(i);
				String row = "| `" + name + "` | " + ((value != null) ? "`" + value + "`" : "—") + " |";
				assertThat(readme).as("README property table row for %s", name).contains(row);
			}
			rows = names;
		}
		assertThat(rows).contains("fluxgate.enabled");
	}

	@Test
	void everyBootDefaultFluxgateInstallsIsInTheReadme() throws IOException {
		String readme = readme();
		BootPropertyDefaults.all()
			.forEach((entry) -> assertThat(readme).as("README row for %s", entry.property())
				.contains("`" + entry.property() + "`")
				.contains("`" + entry.value() + "`"));
	}

	private static String readme() throws IOException {
		Path readme = Path.of("..", "README.md");
		assertThat(readme).exists();
		return Files.readString(readme);
	}

}

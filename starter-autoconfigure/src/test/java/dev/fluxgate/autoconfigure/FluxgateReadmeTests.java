package dev.fluxgate.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.parsers.DocumentBuilderFactory;

import com.jayway.jsonpath.JsonPath;
import dev.fluxgate.autoconfigure.defaults.BootPropertyDefaults;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

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
			List<Map<String, Object>> properties = JsonPath.read(json, "$.properties");
			assertThat(properties).isNotEmpty();
			List<String> names = new java.util.ArrayList<>();
			for (Map<String, Object> property : properties) {
				String name = (String) property.get("name");
				Object value = property.get("defaultValue");
				assertThat((String) property.get("description")).as("Javadoc of %s", name).isNotBlank();
				String row = "| `" + name + "` | " + ((value != null) ? "`" + value + "`" : "—") + " |";
				assertThat(readme).as("README property table row for %s", name).contains(row);
				names.add(name);
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

	@Test
	void quickStartSnippetNamesThisStarter() throws Exception {
		Matcher snippet = Pattern.compile("## Quick start\\n.*?```xml\\n(.*?)```", Pattern.DOTALL).matcher(readme());
		assertThat(snippet.find()).as("xml snippet in the README's Quick start").isTrue();
		Element pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse("pom.xml").getDocumentElement();
		Element parent = child(pom, "parent");
		assertThat(snippet.group(1)).contains("<groupId>" + child(parent, "groupId").getTextContent() + "</groupId>",
				"<artifactId>" + child(pom, "artifactId").getTextContent() + "</artifactId>",
				"<version>" + child(parent, "version").getTextContent() + "</version>");
	}

	private static Element child(Element element, String name) {
		for (Node node = element.getFirstChild(); node != null; node = node.getNextSibling()) {
			if (node instanceof Element child && child.getTagName().equals(name)) {
				return child;
			}
		}
		throw new AssertionError("No <" + name + "> in <" + element.getTagName() + ">");
	}

	private static String readme() throws IOException {
		Path readme = Path.of("..", "README.md");
		assertThat(readme).exists();
		return Files.readString(readme);
	}

}

package dev.fluxgate.autoconfigure.background;

import java.io.InputStream;
import java.util.Map;

import dev.fluxgate.autoconfigure.validation.InvalidPropertyException;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.core.io.ClassPathResource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * {@code fluxgate.background.threads} is named like {@code fluxgate.offload.*.threads}; the old
 * {@code fluxgate.background.concurrency} keeps working, deprecated in the metadata with its replacement.
 */
class BackgroundThreadsPropertyTests {

	@Test
	void threadsAndItsDeprecatedAliasBothBind() {
		assertThat(bind(Map.of("fluxgate.background.threads", "3")).getThreads()).isEqualTo(3);
		assertThat(bind(Map.of("fluxgate.background.concurrency", "2")).getThreads()).isEqualTo(2);
		assertThat(bind(Map.of()).getThreads()).isEqualTo(4);
	}

	@Test
	void anInvalidValueNamesThePropertyTheUserSet() {
		assertThatExceptionOfType(InvalidPropertyException.class)
			.isThrownBy(() -> bind(Map.of("fluxgate.background.concurrency", "0")).afterPropertiesSet())
			.withMessageContaining("fluxgate.background.concurrency");
		assertThatExceptionOfType(InvalidPropertyException.class)
			.isThrownBy(() -> bind(Map.of("fluxgate.background.threads", "0")).afterPropertiesSet())
			.withMessageContaining("fluxgate.background.threads");
	}

	@Test
	void theOldNameIsDeprecatedInTheMetadataWithItsReplacement() throws Exception {
		try (InputStream metadata = new ClassPathResource("META-INF/spring-configuration-metadata.json",
				FluxgateBackgroundProperties.class.getClassLoader())
			.getInputStream()) {
			JsonNode concurrency = null;
			for (JsonNode property : JsonMapper.builder().build().readTree(metadata).get("properties")) {
				if (property.get("name").asString().equals("fluxgate.background.concurrency")) {
					concurrency = property;
				}
			}
			assertThat(concurrency).isNotNull();
			assertThat(concurrency.get("deprecation").get("replacement").asString())
				.isEqualTo("fluxgate.background.threads");
		}
	}

	private static FluxgateBackgroundProperties bind(Map<String, String> properties) {
		return new Binder(new MapConfigurationPropertySource(properties))
			.bindOrCreate("fluxgate.background", FluxgateBackgroundProperties.class);
	}

}

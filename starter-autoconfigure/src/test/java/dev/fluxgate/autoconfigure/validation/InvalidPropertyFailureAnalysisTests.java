package dev.fluxgate.autoconfigure.validation;

import dev.fluxgate.test.FluxgateTestApplication;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * An invalid value fails startup with the report a user sees: property, value, origin and valid range.
 */
@ExtendWith(OutputCaptureExtension.class)
class InvalidPropertyFailureAnalysisTests {

	@ParameterizedTest
	@CsvSource(delimiter = '|', textBlock = """
			fluxgate.http-client.pool.max-connections     | 0     | between 1 and 100000
			fluxgate.http-client.pool.pending-acquire-max-count | -5 | between 1 and 1000000
			fluxgate.http-client.pool.pending-acquire-timeout | -1s | a positive duration
			fluxgate.http-client.pool.max-idle-time       | 0s    | a positive duration
			fluxgate.r2dbc.statement-timeout              | -2s   | a positive duration
			fluxgate.r2dbc.pool.max-pending-acquire       | 0     | between 1 and 1000000
			fluxgate.redis.request-queue-size             | 0     | between 1 and 10000000
			fluxgate.server.read-timeout                  | -20s  | a positive duration (for example 20s), or 0 to disable
			fluxgate.server.request-read-timeout          | -5m   | a positive duration (for example 20s), or 0 to disable
			""")
	void invalidFluxgatePropertyIsNamedWithValueAndRange(String property, String value, String range,
			CapturedOutput output) {
		assertThatException().isThrownBy(() -> start(property + "=" + value));
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("Property: " + property)
			.contains("Value: \"" + value + "\"")
			.contains("Origin: ")
			.contains("Valid: " + range);
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', textBlock = """
			spring.r2dbc.pool.initial-size=8 | spring.r2dbc.pool.max-size=4 | spring.r2dbc.pool.initial-size | at most spring.r2dbc.pool.max-size (4)
			spring.r2dbc.pool.min-idle=9     | spring.r2dbc.pool.max-size=4 | spring.r2dbc.pool.min-idle     | at most spring.r2dbc.pool.max-size (4)
			""")
	void maxBelowMinIsNamed(String first, String second, String property, String range, CapturedOutput output) {
		assertThatException().isThrownBy(() -> start(first, second));
		assertThat(output).contains("Property: " + property).contains("Valid: " + range);
	}

	private static void start(String... properties) {
		new SpringApplicationBuilder(FluxgateTestApplication.class).web(WebApplicationType.REACTIVE)
			.properties("server.port=0", "spring.r2dbc.url=r2dbc:h2:mem:///validation")
			.properties(properties)
			.run()
			.close();
	}

}

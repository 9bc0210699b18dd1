package dev.fluxgate.autoconfigure.r2dbc;

import java.util.List;

import dev.fluxgate.autoconfigure.defaults.ConcurrencySettingsReport;
import dev.fluxgate.autoconfigure.defaults.ConcurrencySettingsReporter;
import dev.fluxgate.test.FluxgateTestApplication;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The startup report of the R2DBC pool's timeouts: the effective {@code max-acquire-time} with its source, and a
 * warning for each pair that contradicts what the pool does with it.
 */
class PoolTimeoutsCoherenceTests {

	@Test
	void defaultsAreReportedAndCoherent() {
		ConcurrencySettingsReport report = report("spring.r2dbc.url=r2dbc:h2:mem:///coherent");
		assertThat(report.settings()).anySatisfy((setting) -> {
			assertThat(setting.name()).isEqualTo("spring.r2dbc.pool.max-acquire-time");
			assertThat(setting.value()).isEqualTo("1s");
			assertThat(setting.source()).isEqualTo("Fluxgate default");
		});
		assertThat(r2dbcWarnings(report)).isEmpty();
	}

	@Test
	void userMaxAcquireTimeIsReportedWithItsSource() {
		ConcurrencySettingsReport report = report("spring.r2dbc.url=r2dbc:h2:mem:///user-acquire",
				"spring.r2dbc.pool.max-acquire-time=3s");
		assertThat(report.settings()).anySatisfy((setting) -> {
			assertThat(setting.name()).isEqualTo("spring.r2dbc.pool.max-acquire-time");
			assertThat(setting.value()).isEqualTo("3s");
			assertThat(setting.source()).startsWith("user property");
		});
	}

	@Test
	void acquireTimeWithoutCreationTimeIsWarned() {
		ConcurrencySettingsReport report = report("spring.r2dbc.url=r2dbc:h2:mem:///no-create-time",
				"spring.r2dbc.pool.max-create-connection-time=-1ms");
		assertThat(r2dbcWarnings(report)).singleElement()
			.asString()
			.contains("spring.r2dbc.pool.max-acquire-time (1s) bounds only the wait for a busy pool")
			.contains("spring.r2dbc.pool.max-create-connection-time is not set");
	}

	@Test
	void busyWaitLongerThanTheRequestDeadlineIsWarned() {
		ConcurrencySettingsReport report = report("spring.r2dbc.url=r2dbc:h2:mem:///deadline",
				"fluxgate.server.request-timeout=1500ms");
		assertThat(r2dbcWarnings(report)).singleElement()
			.asString()
			.contains("spring.r2dbc.pool.max-acquire-time × (1 + acquire-retry) (2s) is longer than "
					+ "fluxgate.server.request-timeout (1500ms)");
	}

	@Test
	void poolUrlWhoseAcquireTimeCutsConnectionCreationIsWarned() {
		ConcurrencySettingsReport report = report(
				"spring.r2dbc.url=r2dbc:pool:h2:mem:///url-pool?maxAcquireTime=PT1S&maxCreateConnectionTime=PT5S");
		assertThat(r2dbcWarnings(report)).singleElement()
			.asString()
			.contains("maxAcquireTime (1s) is shorter than maxCreateConnectionTime (5s) in spring.r2dbc.url");
	}

	private static ConcurrencySettingsReport report(String... properties) {
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(FluxgateTestApplication.class)
			.web(WebApplicationType.NONE)
			.properties(properties)
			.run()) {
			return context.getBean(ConcurrencySettingsReporter.class).report();
		}
	}

	private static List<String> r2dbcWarnings(ConcurrencySettingsReport report) {
		return report.incoherences()
			.stream()
			.filter((warning) -> warning.contains("r2dbc") || warning.contains("maxAcquireTime"))
			.toList();
	}

}

package dev.fluxgate.autoconfigure.defaults;

import dev.fluxgate.test.FluxgateTestApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The startup report: one INFO block of effective settings with their sources, one WARN per incoherent pair.
 */
@ExtendWith(OutputCaptureExtension.class)
class ConcurrencySettingsReportTests {

	@Test
	void reportNamesEachSettingAndWhereItCameFrom(CapturedOutput output) {
		try (ConfigurableApplicationContext context = start("--spring.http.clients.connect-timeout=4s",
				"--fluxgate.http-client.pool.max-connections=64")) {
			ConcurrencySettingsReport report = context.getBean(ConcurrencySettingsReporter.class).report();
			assertThat(report.settings()).anySatisfy((setting) -> {
				assertThat(setting.name()).isEqualTo("spring.http.clients.read-timeout");
				assertThat(setting.value()).isEqualTo("10s");
				assertThat(setting.source()).isEqualTo("Fluxgate default");
			}).anySatisfy((setting) -> {
				assertThat(setting.name()).isEqualTo("spring.http.clients.connect-timeout");
				assertThat(setting.value()).isEqualTo("4s");
				assertThat(setting.source()).startsWith("user property");
			}).anySatisfy((setting) -> {
				assertThat(setting.name()).isEqualTo("fluxgate.http-client.pool.max-connections");
				assertThat(setting.value()).isEqualTo("64");
				assertThat(setting.source()).startsWith("user property");
			}).anySatisfy((setting) -> assertThat(setting.group()).isEqualTo("event-loop"));
			assertThat(report.incoherences()).isEmpty();
			assertThat(output).contains("Fluxgate concurrency settings:")
				.containsPattern("spring.http.clients.read-timeout\\s+= 10s\\s+\\[Fluxgate default]");
		}
	}

	@Test
	void reportLeavesOutWhatTheApplicationDoesNotUse(CapturedOutput output) {
		// Lettuce is on the test class path, as in the sample app, but Redis is switched off and no policy is set.
		try (ConfigurableApplicationContext context = start("--management.health.redis.enabled=false",
				"--fluxgate.jobs.enabled=false")) {
			ConcurrencySettingsReport report = context.getBean(ConcurrencySettingsReporter.class).report();
			assertThat(report.settings()).extracting(ConcurrencySetting::group)
				.contains("http-client")
				.doesNotContain("redis", "rate-limit");
			assertThat(output).contains("Fluxgate concurrency settings:").doesNotContain("spring.data.redis.timeout");
		}
	}

	@Test
	void redisAndRateLimitAreReportedWhenUsed() {
		try (ConfigurableApplicationContext context = start("--management.health.redis.enabled=false",
				"--fluxgate.jobs.enabled=false", "--spring.data.redis.port=6390",
				"--fluxgate.rate-limit.policies.api.paths=/api/**", "--fluxgate.rate-limit.policies.api.per-second=5")) {
			ConcurrencySettingsReport report = context.getBean(ConcurrencySettingsReporter.class).report();
			assertThat(report.settings()).extracting(ConcurrencySetting::name)
				.contains("spring.data.redis.timeout", "fluxgate.rate-limit.policies.api.per-second");
		}
	}

	@Test
	void nonWebApplicationPrintsNoSettingsBlock(CapturedOutput output) {
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(FluxgateTestApplication.class)
			.web(WebApplicationType.NONE)
			.run("--spring.r2dbc.url=r2dbc:h2:mem:///report-none")) {
			assertThat(context.getBean(ConcurrencySettingsReporter.class).report().settings()).isNotEmpty();
			assertThat(output).doesNotContain("Fluxgate concurrency settings:");
		}
	}

	@Test
	void incoherentPairsAreWarnedNamingBothProperties(CapturedOutput output) {
		try (ConfigurableApplicationContext context = start("--fluxgate.http-client.pool.pending-acquire-timeout=20s",
				"--spring.data.redis.timeout=15s")) {
			assertThat(output).containsPattern(
					"WARN.*fluxgate.http-client.pool.pending-acquire-timeout \\(20s\\) is longer than spring.http.clients.read-timeout \\(10s\\)")
				.containsPattern(
						"WARN.*spring.data.redis.timeout \\(15s\\) is longer than spring.http.clients.read-timeout");
		}
	}

	private static ConfigurableApplicationContext start(String... args) {
		String[] all = java.util.stream.Stream
			.concat(java.util.stream.Stream.of("--spring.r2dbc.url=r2dbc:h2:mem:///report", "--server.port=0"),
					java.util.Arrays.stream(args))
			.toArray(String[]::new);
		return new SpringApplicationBuilder(FluxgateTestApplication.class).web(WebApplicationType.REACTIVE).run(all);
	}

}

package dev.fluxgate.autoconfigure.defaults;

import java.util.List;
import java.util.Map;

import ch.qos.logback.classic.Level;
import dev.fluxgate.test.FluxgateTestApplication;
import dev.fluxgate.test.LogCapture;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.event.ApplicationPreparedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Settings that cannot do what they look like are reported once at startup: unknown {@code fluxgate.*} keys with the
 * closest known name, and values that switch off a guard Fluxgate installs.
 */
class ConfigurationWarningsTests {

	private static List<String> warnings(MockEnvironment environment) {
		FluxgateDefaultsEnvironmentPostProcessor.install(environment, ConfigurationWarningsTests.class.getClassLoader());
		return new ConfigurationWarnings(environment).warnings();
	}

	@Test
	void anUnknownKeyIsReportedWithItsOriginAndTheClosestKnownName() {
		assertThat(warnings(new MockEnvironment().withProperty("fluxgate.server.request-timout", "5s")))
			.containsExactly("Unknown property 'fluxgate.server.request-timout' (\"fluxgate.server.request-timout\" "
					+ "from property source \"mockProperties\") is ignored: did you mean 'fluxgate.server.request-timeout'?");
		assertThat(warnings(new MockEnvironment().withProperty("fluxgate.completely.different", "1")))
			.singleElement()
			.asString()
			.contains("'fluxgate.completely.different'")
			.endsWith("no Fluxgate property has a similar name (see the README's property reference)");
	}

	@Test
	void knownNamesAsBootBindsThemAndEntriesOfMapAndListPropertiesAreNotReported() {
		MockEnvironment environment = new MockEnvironment().withProperty("fluxgate.server.requestTimeout", "5s")
			.withProperty("fluxgate.enabled", "true")
			.withProperty("fluxgate.dependencies.catalog.bulkhead.max-concurrent-calls", "20")
			.withProperty("fluxgate.rate-limit.policies.api.per-second", "20")
			.withProperty("fluxgate.offload.blocking.exclude[0]", "com.example.HealthController")
			.withProperty("fluxgate.server.deadline.excluded-paths[1]", "/files/**");
		assertThat(warnings(environment)).isEmpty();
	}

	@Test
	void environmentVariablesAreComparedAsBootMapsThem() {
		MockEnvironment environment = new MockEnvironment();
		environment.getPropertySources()
			.addFirst(new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
					Map.of("FLUXGATE_SERVER_REQUEST_TIMEOUT", "5s", "FLUXGATE_SERVER_REQUESTTIMEOUT", "5s",
							"FLUXGATE_DEPENDENCIES_CATALOG_TIMEOUT", "3s", "FLUXGATE_SERVER_REQUEST_TIMOUT", "5s")));
		assertThat(warnings(environment)).singleElement()
			.asString()
			.startsWith("Unknown property 'fluxgate.server.request.timout' (\"FLUXGATE_SERVER_REQUEST_TIMOUT\"")
			.endsWith("did you mean 'fluxgate.server.request-timeout'?");
	}

	@Test
	void valuesThatSwitchOffAGuardAreReportedWithWhatIsLost() {
		MockEnvironment environment = new MockEnvironment().withProperty("spring.r2dbc.pool.max-acquire-time", "-1s")
			.withProperty("spring.http.clients.read-timeout", "0")
			.withProperty("spring.webflux.multipart.max-parts", "-1")
			.withProperty("fluxgate.server.read-timeout", "0")
			.withProperty("fluxgate.server.request-timeout", "0s")
			.withProperty("fluxgate.r2dbc.statement-timeout", "0");
		List<String> warnings = warnings(environment);
		assertThat(warnings).hasSize(6);
		assertThat(warnings).anySatisfy((warning) -> assertThat(warning).startsWith(
				"spring.r2dbc.pool.max-acquire-time=-1s [user property (\"spring.r2dbc.pool.max-acquire-time\" from "
						+ "property source \"mockProperties\")] switches off a guard Fluxgate installs (default 1s): ")
			.contains("every request waits for a connection indefinitely"));
		assertThat(warnings).anySatisfy((warning) -> assertThat(warning)
			.startsWith("spring.http.clients.read-timeout=0 [")
			.contains("(default 10s): A WebClient call to a hung dependency holds its request and connection forever."));
		assertThat(warnings).anySatisfy((warning) -> assertThat(warning)
			.startsWith("spring.webflux.multipart.max-parts=-1 [")
			.contains("(default 128)"));
		assertThat(warnings).anySatisfy((warning) -> assertThat(warning)
			.startsWith("fluxgate.server.read-timeout=0 [")
			.contains("(default 20s): ")
			.contains("slowloris")
			.doesNotContain("Zero disables"));
		assertThat(warnings).anySatisfy((warning) -> assertThat(warning).startsWith("fluxgate.server.request-timeout=0s ["));
		assertThat(warnings).anySatisfy((warning) -> assertThat(warning)
			.startsWith("fluxgate.r2dbc.statement-timeout=0 [")
			.contains("runaway query"));
	}

	@Test
	void boundedValuesAndFluxgatesOwnDefaultsAreNotReported() {
		// r2dbc-pool reads a zero wait as "fail at once", not as "no timeout".
		MockEnvironment environment = new MockEnvironment().withProperty("spring.r2dbc.pool.max-acquire-time", "0s")
			.withProperty("spring.http.clients.read-timeout", "3s")
			.withProperty("fluxgate.server.deadline.margin", "0ms")
			.withProperty("fluxgate.server.read-timeout", "5s");
		assertThat(warnings(environment)).isEmpty();
		assertThat(warnings(new MockEnvironment())).isEmpty();
	}

	@Test
	void anApplicationLogsOneWarningPerFindingAtStartupAndNoneWithFluxgateDisabled() {
		try (StartupLog log = new StartupLog();
				ConfigurableApplicationContext context = start(log, "spring.config.import=classpath:configuration-warnings.properties")) {
			List<String> warnings = log.capture.messages(Level.WARN);
			assertThat(warnings).hasSize(3);
			assertThat(warnings.get(0)).isEqualTo("Unknown property 'fluxgate.server.request-timout' (class path "
					+ "resource [configuration-warnings.properties] - 2:32) is ignored: did you mean "
					+ "'fluxgate.server.request-timeout'?");
			assertThat(warnings.get(1)).startsWith("spring.r2dbc.pool.max-acquire-time=-1s [user property (class path "
					+ "resource [configuration-warnings.properties] - 3:36)] switches off a guard");
			assertThat(warnings.get(2)).startsWith("fluxgate.r2dbc.statement-timeout=0 [user property (class path "
					+ "resource [configuration-warnings.properties] - 4:34)] switches off a guard");
		}
		try (StartupLog log = new StartupLog();
				ConfigurableApplicationContext context = start(log,
						"spring.config.import=classpath:configuration-warnings.properties", "fluxgate.enabled=false")) {
			assertThat(log.capture.events()).isEmpty();
		}
	}

	private static ConfigurableApplicationContext start(StartupLog log, String... properties) {
		return new SpringApplicationBuilder(FluxgateTestApplication.class).web(WebApplicationType.NONE)
			.listeners(log)
			.properties("spring.main.banner-mode=off", "spring.r2dbc.url=r2dbc:h2:mem:///warnings")
			.properties(properties)
			.run();
	}

	/** Captures the warnings logger from the moment Boot's logging system is ready, before the context refreshes. */
	private static final class StartupLog implements ApplicationListener<ApplicationPreparedEvent>, AutoCloseable {

		private LogCapture capture;

		@Override
		public void onApplicationEvent(ApplicationPreparedEvent event) {
			this.capture = new LogCapture(ConfigurationWarnings.class.getName(), null);
		}

		@Override
		public void close() {
			if (this.capture != null) {
				this.capture.close();
			}
		}

	}

}

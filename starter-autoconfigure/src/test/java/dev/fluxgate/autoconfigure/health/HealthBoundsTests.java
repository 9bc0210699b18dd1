package dev.fluxgate.autoconfigure.health;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

class HealthBoundsTests {

	@Test
	void aHealthCheckThatNeverAnswersIsDownAfterTheTimeout() {
		ReactiveHealthIndicator hung = () -> Mono.never();
		Health health = new TimeBoundedHealthIndicator(hung, Duration.ofMillis(200), () -> null).health()
			.block(Duration.ofSeconds(5));
		assertThat(health.getStatus()).isEqualTo(Status.DOWN);
		assertThat(health.getDetails().get("error")).asString().contains("fluxgate.health.timeout");
	}

	@Test
	void aCheckThatWouldQueueBehindAnExhaustedPoolIsSkipped() {
		AtomicBoolean subscribed = new AtomicBoolean();
		ReactiveHealthIndicator check = () -> Mono.fromSupplier(() -> {
			subscribed.set(true);
			return Health.up().build();
		});
		Health health = new TimeBoundedHealthIndicator(check, Duration.ofSeconds(2), () -> "pool exhausted").health()
			.block(Duration.ofSeconds(5));
		assertThat(health.getStatus()).isEqualTo(Status.UNKNOWN);
		assertThat(subscribed).isFalse();
	}

	private static String readinessInclude(MockEnvironment environment) {
		ReadinessGroupDefaults.install(environment, HealthBoundsTests.class.getClassLoader());
		return environment.getProperty(ReadinessGroupDefaults.INCLUDE);
	}

	@Test
	void readinessGroupGetsConcurrencyAndKeepsReadinessState() {
		MockEnvironment environment = new MockEnvironment();
		assertThat(readinessInclude(environment)).isEqualTo("readinessState,concurrency");
		assertThat(environment.getPropertySources().get("defaultProperties")).isNotNull();
		// Boot's own probe group shows neither components nor details.
		assertThat(environment.getProperty("management.endpoint.health.group.readiness.show-components"))
			.isEqualTo("never");
		assertThat(environment.getProperty("management.endpoint.health.group.readiness.show-details"))
			.isEqualTo("never");
	}

	@Test
	void aUserConfiguredReadinessGroupIsLeftAlone() {
		assertThat(readinessInclude(new MockEnvironment()
			.withProperty("management.endpoint.health.group.readiness.include", "readinessState,db")))
			.isEqualTo("readinessState,db");
		assertThat(readinessInclude(new MockEnvironment()
			.withProperty("management.endpoint.health.group.readiness.show-details", "always"))).isNull();
	}

	@Test
	void nothingIsAddedWhenProbesOrTheIndicatorOrFluxgateAreOff() {
		assertThat(readinessInclude(
				new MockEnvironment().withProperty("management.endpoint.health.probes.enabled", "false")))
			.isNull();
		assertThat(readinessInclude(new MockEnvironment().withProperty("management.health.concurrency.enabled", "false")))
			.isNull();
		assertThat(readinessInclude(new MockEnvironment().withProperty("fluxgate.enabled", "false"))).isNull();
		assertThat(new StandardEnvironment().getProperty(ReadinessGroupDefaults.INCLUDE)).isNull();
	}

}

package dev.fluxgate.autoconfigure.jobs;

import java.time.Duration;

import dev.fluxgate.autoconfigure.FluxgateAutoConfiguration;
import dev.fluxgate.autoconfigure.offload.FluxgateOffloadAutoConfiguration;
import dev.fluxgate.autoconfigure.validation.InvalidPropertyException;
import dev.fluxgate.jobs.Jobs;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When jobs are active, and how bad properties fail. No Redis is needed: nothing connects until a job is submitted or
 * a handler exists.
 */
class FluxgateJobsAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(FluxgateAutoConfiguration.class, FluxgateOffloadAutoConfiguration.class,
				JacksonAutoConfiguration.class, DataRedisAutoConfiguration.class,
				DataRedisReactiveAutoConfiguration.class, FluxgateJobsAutoConfiguration.class));

	@Test
	void jobsAreActiveWithAReactiveRedisConnectionFactory() {
		this.runner.run((context) -> assertThat(context).hasNotFailed()
			.hasSingleBean(Jobs.class)
			.hasSingleBean(JobWorkersLifecycle.class));
	}

	@Test
	void jobsAreOffWithoutRedis() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(FluxgateAutoConfiguration.class,
					FluxgateOffloadAutoConfiguration.class, JacksonAutoConfiguration.class,
					FluxgateJobsAutoConfiguration.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(Jobs.class));
	}

	@Test
	void jobsCanBeSwitchedOff() {
		this.runner.withPropertyValues("fluxgate.jobs.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(Jobs.class));
	}

	@Test
	void invalidPropertyFailsStartupNamingPropertyValueAndRange() {
		this.runner.withPropertyValues("fluxgate.jobs.backoff.jitter=1.5").run((context) -> assertThat(context)
			.getFailure()
			.rootCause()
			.isInstanceOf(InvalidPropertyException.class)
			.hasMessageContaining("fluxgate.jobs.backoff.jitter")
			.hasMessageContaining("1.5")
			.hasMessageContaining("between 0 and 1"));
		this.runner.withPropertyValues("fluxgate.jobs.queues.mail.concurrency=0").run((context) -> assertThat(context)
			.getFailure()
			.rootCause()
			.isInstanceOf(InvalidPropertyException.class)
			.hasMessageContaining("fluxgate.jobs.queues.mail.concurrency"));
		this.runner.withPropertyValues("fluxgate.jobs.queues.mail.backoff.max=10ms").run((context) -> assertThat(context)
			.getFailure()
			.rootCause()
			.isInstanceOf(InvalidPropertyException.class)
			.hasMessageContaining("fluxgate.jobs.queues.mail.backoff.max"));
	}

	@Test
	void queueOverridesInheritTheDefaults() {
		this.runner.withPropertyValues("fluxgate.jobs.concurrency=3", "fluxgate.jobs.queues.mail.max-attempts=9")
			.run((context) -> {
				FluxgateJobsProperties properties = context.getBean(FluxgateJobsProperties.class);
				assertThat(properties.queueSettings().get("mail").concurrency()).isEqualTo(3);
				assertThat(properties.queueSettings().get("mail").maxAttempts()).isEqualTo(9);
				assertThat(properties.defaults().maxAttempts()).isEqualTo(5);
			});
	}

	@Test
	void readsWaitLessThanTheRedisCommandTimeout() {
		assertThat(FluxgateJobsAutoConfiguration.JobsConfiguration.pollTimeout(new MockEnvironment()))
			.isEqualTo(Duration.ofSeconds(1));
		assertThat(FluxgateJobsAutoConfiguration.JobsConfiguration
			.pollTimeout(new MockEnvironment().withProperty("spring.data.redis.timeout", "500ms")))
			.isEqualTo(Duration.ofMillis(250));
	}

}

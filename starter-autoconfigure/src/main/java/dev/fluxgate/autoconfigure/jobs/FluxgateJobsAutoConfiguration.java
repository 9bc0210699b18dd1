package dev.fluxgate.autoconfigure.jobs;

import java.time.Duration;
import java.util.Map;

import dev.fluxgate.autoconfigure.ConditionalOnFluxgateEnabled;
import dev.fluxgate.autoconfigure.FluxgateAutoConfiguration;
import dev.fluxgate.autoconfigure.defaults.ConcurrencySettingsCollector;
import dev.fluxgate.autoconfigure.defaults.ConcurrencySettingsContributor;
import dev.fluxgate.autoconfigure.doctor.ConcurrencySection;
import dev.fluxgate.autoconfigure.offload.FluxgateOffloadAutoConfiguration;
import dev.fluxgate.gate.GateRegistry;
import dev.fluxgate.jobs.JobCodec;
import dev.fluxgate.jobs.JobFindings;
import dev.fluxgate.jobs.JobQueueSettings;
import dev.fluxgate.jobs.Jobs;
import dev.fluxgate.jobs.JobsSettings;
import dev.fluxgate.offload.Offload;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;

/**
 * Durable jobs, active when the application has one reactive Redis connection factory (and
 * {@code fluxgate.jobs.enabled} is not false): the {@link Jobs} bean, a worker per {@code @JobHandler} queue
 * (a gate of kind {@code jobs}), drained on graceful shutdown, the {@code jobs} actuator endpoint, and the queues in
 * {@code /actuator/concurrency} and the doctor's findings. Without a handler in this instance nothing touches Redis
 * until the application submits a job.
 */
@AutoConfiguration(after = { FluxgateAutoConfiguration.class, FluxgateOffloadAutoConfiguration.class },
		afterName = { "org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration",
				"org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration" })
@ConditionalOnFluxgateEnabled
@ConditionalOnClass(ReactiveRedisConnectionFactory.class)
@ConditionalOnBooleanProperty(name = "fluxgate.jobs.enabled", matchIfMissing = true)
@ConditionalOnSingleCandidate(ReactiveRedisConnectionFactory.class)
@EnableConfigurationProperties(FluxgateJobsProperties.class)
public final class FluxgateJobsAutoConfiguration {

	static final String SHUTDOWN_TIMEOUT_PROPERTY = "spring.lifecycle.timeout-per-shutdown-phase";

	/** The longest a consumer's read waits in Redis, well below any sane command timeout. */
	static final Duration MAX_POLL_TIMEOUT = Duration.ofSeconds(1);

	/** Collects handler methods only; static, so it is created before and independently of other beans. */
	@Bean
	static JobHandlerMethods fluxgateJobHandlerMethods() {
		return new JobHandlerMethods();
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(JsonMapper.class)
	static class JacksonCodecConfiguration {

		@Bean
		@ConditionalOnMissingBean
		JobCodec fluxgateJobCodec(ObjectProvider<JsonMapper> jsonMapper) {
			return new JacksonJobCodec(jsonMapper.getIfAvailable(JsonMapper::new));
		}

	}

	/** Payloads need a codec: the application's own {@link JobCodec} bean, or Jackson 3. */
	static final class CodecAvailable extends AnyNestedCondition {

		CodecAvailable() {
			super(ConfigurationPhase.REGISTER_BEAN);
		}

		@ConditionalOnClass(JsonMapper.class)
		static final class Jackson {

		}

		@ConditionalOnBean(JobCodec.class)
		static final class ApplicationCodec {

		}

	}

	@Configuration(proxyBeanMethods = false)
	@Conditional(CodecAvailable.class)
	static class JobsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		Jobs fluxgateJobs(ReactiveRedisConnectionFactory connectionFactory, JobCodec codec,
				FluxgateJobsProperties properties, ObjectProvider<MeterRegistry> meterRegistry, Environment environment) {
			return new Jobs(connectionFactory, codec, new JobsSettings(properties.defaults(),
					properties.queueSettings(), properties.getIdempotencyWindow(), pollTimeout(environment)),
					meterRegistry.getIfAvailable());
		}

		/** Half the Redis command timeout at most, so a blocking read never times out as a failed command. */
		static Duration pollTimeout(Environment environment) {
			Duration commandTimeout = Binder.get(environment)
				.bind("spring.data.redis.timeout", Duration.class)
				.orElse(null);
			if (commandTimeout == null || commandTimeout.isZero() || commandTimeout.isNegative()) {
				return MAX_POLL_TIMEOUT;
			}
			Duration half = commandTimeout.dividedBy(2);
			if (half.compareTo(MAX_POLL_TIMEOUT) >= 0) {
				return MAX_POLL_TIMEOUT;
			}
			return (half.toMillis() < 1) ? Duration.ofMillis(1) : half;
		}

		@Bean
		JobWorkersLifecycle fluxgateJobWorkers(Jobs jobs, JobHandlerMethods handlers, JobCodec codec,
				Offload offload, GateRegistry gates, Environment environment) {
			return new JobWorkersLifecycle(jobs, handlers, codec, offload, gates,
					Binder.get(environment).bind(SHUTDOWN_TIMEOUT_PROPERTY, Duration.class).orElse(Duration.ofSeconds(30)),
					environment.getProperty("spring.application.name", "application"));
		}

		@Bean
		JobFindings fluxgateJobFindings(Jobs jobs) {
			return new JobFindings(jobs);
		}

		@Bean
		ConcurrencySection fluxgateJobsConcurrencySection(Jobs jobs) {
			return new ConcurrencySection() {

				@Override
				public String name() {
					return "jobs";
				}

				@Override
				public Mono<Object> content() {
					return JobsEndpoint.queueSummaries(jobs)
						.<Object>map((queues) -> queues)
						.onErrorResume((ex) -> Mono.just(Map.of("error", String.valueOf(ex))));
				}

			};
		}

		@Bean
		ConcurrencySettingsContributor fluxgateJobsSettings(FluxgateJobsProperties properties) {
			return (settings) -> {
				contribute(settings, "fluxgate.jobs", properties.defaults());
				properties.queueSettings()
					.forEach((queue, queueSettings) -> contribute(settings, "fluxgate.jobs.queues." + queue,
							queueSettings));
				settings.fluxgateProperty("jobs", "fluxgate.jobs.idempotency-window",
						properties.getIdempotencyWindow());
				settings.bootProperty("jobs", SHUTDOWN_TIMEOUT_PROPERTY, "30s");
			};
		}

		private static void contribute(ConcurrencySettingsCollector settings,
				String prefix, JobQueueSettings queue) {
			settings.fluxgateProperty("jobs", prefix + ".concurrency", queue.concurrency());
			settings.fluxgateProperty("jobs", prefix + ".max-attempts", queue.maxAttempts());
			settings.fluxgateProperty("jobs", prefix + ".backoff.initial", queue.backoffInitial());
			settings.fluxgateProperty("jobs", prefix + ".backoff.max", queue.backoffMax());
			settings.fluxgateProperty("jobs", prefix + ".backoff.jitter", queue.backoffJitter());
			settings.fluxgateProperty("jobs", prefix + ".attempt-timeout", queue.attemptTimeout());
			settings.fluxgateProperty("jobs", prefix + ".visibility-timeout", queue.visibilityTimeout());
			settings.fluxgateProperty("jobs", prefix + ".max-length", queue.maxLength());
		}

		@Configuration(proxyBeanMethods = false)
		@ConditionalOnClass(Endpoint.class)
		@ConditionalOnAvailableEndpoint(JobsEndpoint.class)
		static class EndpointConfiguration {

			@Bean
			@ConditionalOnMissingBean
			JobsEndpoint fluxgateJobsEndpoint(Jobs jobs) {
				return new JobsEndpoint(jobs);
			}

		}

	}

}

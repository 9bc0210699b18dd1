package dev.fluxgate.autoconfigure.doctor;

import java.util.Locale;

import dev.fluxgate.autoconfigure.ConditionalOnFluxgateEnabled;
import dev.fluxgate.autoconfigure.FluxgateAutoConfiguration;
import dev.fluxgate.autoconfigure.defaults.ConcurrencySettingsContributor;
import dev.fluxgate.autoconfigure.defaults.ConcurrencySettingsReporter;
import dev.fluxgate.autoconfigure.health.FluxgateHealthProperties;
import dev.fluxgate.doctor.FindingSource;
import dev.fluxgate.gate.GateRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.spi.ConnectionFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The concurrency doctor: samples pools, gates, event loops, blocking detections and timeouts; diagnoses them; checks
 * the capacity plan against the database; serves {@code /actuator/concurrency}. Every signal source is optional and
 * plugs in when present: gates through the {@link GateRegistry}, event loops and blocking detections through an
 * {@link EventLoopSignalSource} / {@link BlockingSignalSource} bean (package-private seams of this package) or, by
 * default, their meters.
 */
@AutoConfiguration(after = FluxgateAutoConfiguration.class, afterName = {
		"org.springframework.boot.r2dbc.autoconfigure.R2dbcAutoConfiguration",
		"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration" })
@ConditionalOnFluxgateEnabled
@ConditionalOnClass(MeterRegistry.class)
@EnableConfigurationProperties({ FluxgateDoctorProperties.class, FluxgateCapacityProperties.class,
		FluxgateHealthProperties.class })
public final class FluxgateDoctorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	MeterSignals fluxgateMeterSignals(ObjectProvider<MeterRegistry> meterRegistry) {
		return new MeterSignals(meterRegistry.getIfAvailable());
	}

	@Bean
	PoolSignalSource fluxgateHttpClientPoolSignals(MeterSignals meterSignals) {
		return () -> meterSignals.httpClientPools("fluxgate.http-client.pool.max-connections");
	}

	@Bean
	@ConditionalOnMissingBean
	ConcurrencyDoctor fluxgateConcurrencyDoctor(FluxgateDoctorProperties doctor, FluxgateHealthProperties health,
			FluxgateCapacityProperties capacity, ObjectProvider<GateRegistry> gates,
			ObjectProvider<PoolSignalSource> pools, MeterSignals meterSignals,
			ObjectProvider<EventLoopSignalSource> eventLoops, ObjectProvider<BlockingSignalSource> blocking,
			ObjectProvider<DatabaseLimitsSource> database, ObjectProvider<FindingSource> findings,
			ApplicationEventPublisher events) {
		ConcurrencyDoctor.Sources sources = new ConcurrencyDoctor.Sources(gates.getIfAvailable(),
				pools.orderedStream().toList(), meterSignals, preferred(eventLoops, meterSignals),
				preferred(blocking, meterSignals), database.getIfUnique(), findings.orderedStream().toList());
		DiagnosisSettings diagnosis = new DiagnosisSettings(health.getSaturationWindow(),
				health.getEventLoopLagThreshold(), DiagnosisSettings.DEFAULTS.blockedLoopPendingTasks());
		return new ConcurrencyDoctor(sources,
				new ConcurrencyDoctor.Settings(doctor.getSampleInterval(), diagnosis, health.getStallThreshold(), capacity),
				events);
	}

	/** A dedicated source (an event-loop probe, a BlockHound callback) wins over reading meters. */
	private static <T> T preferred(ObjectProvider<T> sources, T meterBased) {
		return sources.orderedStream().filter((source) -> !(source instanceof MeterSignals)).findFirst()
			.orElse(meterBased);
	}

	@Bean
	CapacityPlanWarning fluxgateCapacityPlanWarning(ConcurrencyDoctor doctor) {
		return new CapacityPlanWarning(doctor);
	}

	@Bean
	ConcurrencySettingsContributor fluxgateCapacitySettings(FluxgateCapacityProperties capacity,
			FluxgateHealthProperties health, FluxgateDoctorProperties doctor) {
		return (settings) -> {
			settings.fluxgateProperty("doctor", "fluxgate.doctor.sample-interval", doctor.getSampleInterval());
			settings.fluxgateProperty("capacity", "fluxgate.capacity.database-check-timeout",
					capacity.getDatabaseCheckTimeout());
			settings.fluxgateProperty("capacity", "fluxgate.capacity.replicas", capacity.getReplicas());
			settings.fluxgateProperty("capacity", "fluxgate.capacity.peak-concurrency",
					(capacity.getPeakConcurrency() != null) ? capacity.getPeakConcurrency() : "observed");
			settings.fluxgateProperty("capacity", "fluxgate.capacity.connections-per-request",
					(capacity.getConnectionsPerRequest() != null) ? capacity.getConnectionsPerRequest()
							: "estimated");
			settings.fluxgateProperty("health", "fluxgate.health.saturation-window", health.getSaturationWindow());
			settings.fluxgateProperty("health", "fluxgate.health.event-loop-lag-threshold",
					health.getEventLoopLagThreshold());
			settings.fluxgateProperty("health", "fluxgate.health.stall-threshold", health.getStallThreshold());
			settings.fluxgateProperty("health", "fluxgate.health.timeout", health.getTimeout());
		};
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ ConnectionPool.class, ConnectionFactory.class })
	static class R2dbcSignalsConfiguration {

		@Bean
		R2dbcPools fluxgateR2dbcPoolSignals(ListableBeanFactory beanFactory) {
			return new R2dbcPools(beanFactory);
		}

		@Bean
		@ConditionalOnMissingBean
		DatabaseLimitsSource fluxgateDatabaseLimitsSource(ObjectProvider<ConnectionFactory> connectionFactory,
				FluxgateCapacityProperties capacity) {
			return new PostgresLimitsSource(connectionFactory, capacity.getDatabaseCheckTimeout());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(Endpoint.class)
	@ConditionalOnAvailableEndpoint(ConcurrencyEndpoint.class)
	@EnableConfigurationProperties(ConcurrencyEndpointProperties.class)
	static class EndpointConfiguration {

		@Bean
		@ConditionalOnMissingBean
		ConcurrencyEndpoint fluxgateConcurrencyEndpoint(ObjectProvider<ConcurrencySettingsReporter> settings,
				ConcurrencyDoctor doctor, ObjectProvider<ConcurrencySection> sections,
				ObjectProvider<SanitizingFunction> sanitizingFunctions, ConcurrencyEndpointProperties properties,
				ObjectProvider<CircuitBreakerRegistry> circuitBreakers) {
			return new ConcurrencyEndpoint(settings.getIfAvailable(), doctor, sections.orderedStream().toList(),
					sanitizingFunctions.orderedStream().toList(), properties.getShowValues(), properties.getRoles(),
					(name) -> circuitState(circuitBreakers.getIfAvailable(), name));
		}

		private static @Nullable String circuitState(@Nullable CircuitBreakerRegistry registry, String name) {
			return (registry != null) ? registry.find(name)
				.map((breaker) -> breaker.getState().name().toLowerCase(Locale.ROOT))
				.orElse(null) : null;
		}

	}

}

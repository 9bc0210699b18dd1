package dev.fluxgate.autoconfigure.doctor;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import dev.fluxgate.autoconfigure.FluxgateAutoConfiguration;
import dev.fluxgate.autoconfigure.defaults.ConcurrencySetting;
import dev.fluxgate.autoconfigure.health.FluxgateHealthAutoConfiguration;
import dev.fluxgate.autoconfigure.validation.InvalidPropertyException;
import dev.fluxgate.doctor.Category;
import dev.fluxgate.doctor.EventLoopSignal;
import dev.fluxgate.doctor.EventLoopSignalSource;
import dev.fluxgate.doctor.Finding;
import dev.fluxgate.gate.Gate;
import dev.fluxgate.gate.GateRegistry;
import dev.fluxgate.gate.GateSnapshot;
import dev.fluxgate.gate.GateStats;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.LivenessState;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class FluxgateDoctorAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(FluxgateAutoConfiguration.class,
				FluxgateDoctorAutoConfiguration.class, FluxgateHealthAutoConfiguration.class,
				ApplicationAvailabilityAutoConfiguration.class))
		.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
		.withPropertyValues("fluxgate.doctor.sample-interval=50ms");

	@Test
	void endpointExistsOnlyWhenExposedLikeEveryBootEndpoint() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(ConcurrencyDoctor.class);
			assertThat(context).doesNotHaveBean(ConcurrencyEndpoint.class);
		});
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=concurrency")
			.run((context) -> assertThat(context).hasSingleBean(ConcurrencyEndpoint.class));
	}

	@Test
	@SuppressWarnings("unchecked")
	void blockingDetectionComesBeforeGateRejectionsWithItsFrame() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=concurrency").run((context) -> {
			GateRegistry gates = context.getBean(GateRegistry.class);
			GateStats stats = new GateStats("server", "shedding", gates.meterRegistry());
			gates.register(new FixedGate(stats));
			stats.rejected("full");
			// What the event-loop work's BlockHound callback publishes in warn mode.
			context.getBean(MeterRegistry.class)
				.counter("fluxgate.blocking.calls", "method", "com.example.CatalogRepository.findAll")
				.increment();

			// The endpoint answers from the doctor's samples, at most one sample interval old.
			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat((List<Finding>) endpoint(context).get("findings")).hasSize(2));
			Map<String, Object> body = endpoint(context);

			List<Finding> findings = (List<Finding>) body.get("findings");
			assertThat(findings).extracting(Finding::category).containsExactly(Category.BLOCKING, Category.GATES);
			assertThat(findings.get(0).resource()).isEqualTo("com.example.CatalogRepository.findAll");
			assertThat(findings.get(0).evidence())
				.containsKey("fluxgate.blocking.calls{method=com.example.CatalogRepository.findAll}");
			assertThat(findings.get(1).advice()).contains("fluxgate.server.concurrency.limit");
			assertThat((List<Map<String, Object>>) body.get("resources")).singleElement()
				.satisfies((resource) -> assertThat(resource).containsEntry("type", "shedding")
					.containsEntry("capacity", 4)
					.containsEntry("inUse", 4)
					.containsEntry("headroom", 0));
			assertThat(body).containsKeys("settings", "eventLoops", "capacity", "saturation");
		});
	}

	private static Map<String, Object> endpoint(org.springframework.context.ApplicationContext context) {
		return context.getBean(ConcurrencyEndpoint.class).concurrency().block(Duration.ofSeconds(5));
	}

	@Test
	void livenessBreaksOnATotalEventLoopStallAndRecovers() {
		this.runner.withUserConfiguration(StallingLoops.class)
			.withPropertyValues("fluxgate.health.stall-threshold=200ms")
			.run((context) -> {
				ApplicationAvailability availability = context.getBean(ApplicationAvailability.class);
				AtomicReference<Duration> stall = context.getBean(StallingLoops.class).stall;
				// What SpringApplication publishes once started; a context runner does not.
				AvailabilityChangeEvent.publish(context, LivenessState.CORRECT);
				Thread.sleep(300);
				assertThat(availability.getLivenessState()).isEqualTo(LivenessState.CORRECT);

				stall.set(Duration.ofSeconds(1));
				await().atMost(Duration.ofSeconds(5))
					.until(() -> availability.getLivenessState() == LivenessState.BROKEN);

				stall.set(Duration.ZERO);
				await().atMost(Duration.ofSeconds(5))
					.until(() -> availability.getLivenessState() == LivenessState.CORRECT);
			});
	}

	@Test
	void worksWithoutR2dbcOnTheClasspath() {
		this.runner.withClassLoader(new FilteredClassLoader("io.r2dbc"))
			.withPropertyValues("management.endpoints.web.exposure.include=concurrency")
			.run((context) -> {
				assertThat(context).hasNotFailed().hasSingleBean(ConcurrencyEndpoint.class);
				assertThat(context).doesNotHaveBean(R2dbcPools.class);
				assertThat(endpoint(context)).containsKey("capacity");
			});
	}

	@Test
	void disabledFluxgateHasNoDoctor() {
		this.runner.withPropertyValues("fluxgate.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(ConcurrencyDoctor.class));
	}

	@Test
	void invalidReplicasFailStartupNamingTheProperty() {
		this.runner.withPropertyValues("fluxgate.capacity.replicas=0").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidPropertyException.class)
				.hasMessageContaining("fluxgate.capacity.replicas");
		});
	}

	@Test
	void settingsAreMasked() {
		assertThat(ConcurrencyEndpoint.masked(new ConcurrencySetting("r2dbc", "spring.r2dbc.password", "s3cret", "x"))
			.value()).isEqualTo("******");
		assertThat(ConcurrencyEndpoint
			.masked(new ConcurrencySetting("r2dbc", "spring.r2dbc.url", "r2dbc:postgresql://app:s3cret@db/x", "x"))
			.value()).isEqualTo("r2dbc:postgresql://app:******@db/x");
	}

	@Configuration(proxyBeanMethods = false)
	static class StallingLoops implements EventLoopSignalSource {

		final AtomicReference<Duration> stall = new AtomicReference<>(Duration.ZERO);

		@Override
		public List<EventLoopSignal> eventLoops() {
			return List.of();
		}

		@Override
		public Optional<Duration> totalStall() {
			return Optional.of(this.stall.get());
		}

	}

	record FixedGate(GateStats stats) implements Gate {

		@Override
		public String name() {
			return "server";
		}

		@Override
		public String kind() {
			return "shedding";
		}

		@Override
		public GateSnapshot snapshot() {
			return new GateSnapshot(name(), kind(), 4, 4, 0, this.stats.admittedCount(), this.stats.rejectedCounts());
		}

	}

}

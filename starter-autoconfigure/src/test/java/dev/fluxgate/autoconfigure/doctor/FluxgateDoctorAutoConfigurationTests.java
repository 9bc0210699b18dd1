package dev.fluxgate.autoconfigure.doctor;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import dev.fluxgate.autoconfigure.FluxgateAutoConfiguration;
import dev.fluxgate.autoconfigure.defaults.ConcurrencySetting;
import dev.fluxgate.autoconfigure.doctor.ConcurrencyEndpoint.ConcurrencyDescriptor;
import dev.fluxgate.autoconfigure.health.FluxgateHealthAutoConfiguration;
import dev.fluxgate.autoconfigure.validation.InvalidPropertyException;
import dev.fluxgate.dependency.Bulkhead;
import dev.fluxgate.doctor.Category;
import dev.fluxgate.doctor.Finding;
import dev.fluxgate.gate.Gate;
import dev.fluxgate.gate.GateRegistry;
import dev.fluxgate.gate.GateSnapshot;
import dev.fluxgate.gate.GateStats;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.Show;
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
import static org.mockito.Mockito.mock;

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
	void blockingDetectionComesBeforeGateRejectionsWithItsFrame() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=concurrency").run((context) -> {
			GateRegistry gates = context.getBean(GateRegistry.class);
			GateStats stats = new GateStats("server", "shedding", context.getBean(MeterRegistry.class));
			gates.register(new FixedGate(stats));
			stats.rejected("full");
			// What the event-loop work's BlockHound callback publishes in warn mode.
			context.getBean(MeterRegistry.class)
				.counter("fluxgate.blocking.calls", "method", "com.example.CatalogRepository.findAll")
				.increment();

			// The endpoint answers from the doctor's samples, at most one sample interval old. Rejections count from
			// the doctor's first sample, which a busy machine may take after the one above: keep rejecting until
			// the doctor has seen one. A busy machine may also add findings of its own (event-loop lag), so only the
			// two this test causes are asserted, in their order.
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
				stats.rejected("full");
				assertThat(causedFindings(endpoint(context))).hasSize(2);
			});
			ConcurrencyDescriptor body = endpoint(context);

			List<Finding> findings = causedFindings(body);
			assertThat(findings).extracting(Finding::category).containsExactly(Category.BLOCKING, Category.GATES);
			assertThat(findings.get(0).resource()).isEqualTo("com.example.CatalogRepository.findAll");
			assertThat(findings.get(0).evidence())
				.containsKey("fluxgate.blocking.calls{method=com.example.CatalogRepository.findAll}");
			assertThat(findings.get(1).advice()).contains("fluxgate.server.concurrency.limit");
			assertThat(body.getResources()).singleElement().satisfies((resource) -> {
				assertThat(resource.type()).isEqualTo("shedding");
				assertThat(resource.capacity()).isEqualTo(4);
				assertThat(resource.inUse()).isEqualTo(4);
				assertThat(resource.headroom()).isZero();
				assertThat(resource.rejected().get("full")).isPositive();
			});
			assertThat(body.getSettings().values()).isNotEmpty();
			assertThat(body.getSaturation()).isNotNull();
		});
	}

	private static List<Finding> causedFindings(ConcurrencyDescriptor body) {
		return body.getFindings()
			.stream()
			.filter((finding) -> finding.category() == Category.BLOCKING || finding.category() == Category.GATES)
			.toList();
	}

	@Test
	void aDependencyIsReportedAsADependencyWithItsCircuitState() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=concurrency")
			.withBean(CircuitBreakerRegistry.class, CircuitBreakerRegistry::ofDefaults)
			.run((context) -> {
				context.getBean(CircuitBreakerRegistry.class).circuitBreaker("catalog").transitionToOpenState();
				GateRegistry gates = context.getBean(GateRegistry.class);
				gates.register(new FixedGate("catalog", Bulkhead.KIND,
						new GateStats("catalog", Bulkhead.KIND, context.getBean(MeterRegistry.class))));
				await().atMost(Duration.ofSeconds(30))
					.untilAsserted(() -> assertThat(endpoint(context).getResources()).singleElement()
						.satisfies((resource) -> {
							assertThat(resource.type()).isEqualTo("dependency");
							assertThat(resource.name()).isEqualTo("catalog");
							assertThat(resource.circuit()).isEqualTo("open");
						}));
			});
	}

	@Test
	void settingValuesFollowShowValuesAndTheApplicationsSanitizingFunctions() {
		this.runner
			.withPropertyValues("management.endpoints.web.exposure.include=concurrency",
					"fluxgate.health.timeout=3s")
			.withBean(SanitizingFunction.class,
					() -> SanitizingFunction.sanitizeValue().ifKeyEquals("fluxgate.health.timeout"))
			.run((context) -> {
				ConcurrencyEndpoint endpoint = context.getBean(ConcurrencyEndpoint.class);
				assertThat(setting(endpoint.concurrency(SecurityContext.NONE), "fluxgate.capacity.replicas"))
					.isEqualTo("1");
				assertThat(setting(endpoint.concurrency(SecurityContext.NONE), "fluxgate.health.timeout"))
					.isEqualTo("******");
			});
		this.runner
			.withPropertyValues("management.endpoints.web.exposure.include=concurrency",
					"management.endpoint.concurrency.show-values=never")
			.run((context) -> assertThat(setting(context.getBean(ConcurrencyEndpoint.class)
				.concurrency(SecurityContext.NONE), "fluxgate.capacity.replicas")).isEqualTo("******"));
	}

	private static String setting(Mono<ConcurrencyDescriptor> body, String name) {
		return body.block(Duration.ofSeconds(10))
			.getSettings()
			.values()
			.stream()
			.filter((setting) -> setting.name().equals(name))
			.findFirst()
			.orElseThrow()
			.value();
	}

	private static ConcurrencyDescriptor endpoint(org.springframework.context.ApplicationContext context) {
		return context.getBean(ConcurrencyEndpoint.class)
			.concurrency(SecurityContext.NONE)
			.block(Duration.ofSeconds(10));
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
				assertThat(endpoint(context).getCapacity()).isNotNull();
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
	void likelySecretsAreMaskedEvenWhenValuesAreShown() {
		ConcurrencyEndpoint endpoint = new ConcurrencyEndpoint(null, mock(ConcurrencyDoctor.class), List.of(),
				List.of(), Show.ALWAYS, Set.of(), (name) -> null);
		assertThat(endpoint.sanitized(new ConcurrencySetting("r2dbc", "spring.r2dbc.password", "s3cret", "x"), true)
			.value()).isEqualTo("******");
		assertThat(endpoint
			.sanitized(new ConcurrencySetting("r2dbc", "spring.r2dbc.url", "r2dbc:postgresql://app:s3cret@db/x", "x"),
					true)
			.value()).isEqualTo("******");
		assertThat(endpoint
			.sanitized(new ConcurrencySetting("dependency", "fluxgate.dependencies.catalog.base-url",
					"http://catalog:8080", "x"), true)
			.value()).isEqualTo("http://catalog:8080");
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

	record FixedGate(String name, String kind, GateStats stats) implements Gate {

		FixedGate(GateStats stats) {
			this("server", "shedding", stats);
		}

		@Override
		public GateSnapshot snapshot() {
			return new GateSnapshot(name(), kind(), 4, 4, 0, this.stats.admittedCount(), this.stats.rejectedCounts());
		}

	}

}

package dev.fluxgate.autoconfigure.offload;

import java.time.Duration;

import dev.fluxgate.autoconfigure.FluxgateAutoConfiguration;
import dev.fluxgate.autoconfigure.background.FluxgateBackgroundAutoConfiguration;
import dev.fluxgate.autoconfigure.eventloop.FluxgateEventLoopAutoConfiguration;
import dev.fluxgate.autoconfigure.validation.InvalidPropertyException;
import dev.fluxgate.background.BackgroundTasks;
import dev.fluxgate.background.BackgroundTasksWebFilter;
import dev.fluxgate.gate.GateRegistry;
import dev.fluxgate.offload.BoundedExecutor;
import dev.fluxgate.offload.BoundedExecutorSettings;
import dev.fluxgate.offload.Offload;
import dev.fluxgate.offload.OffloadWebFilter;
import dev.fluxgate.offload.OffloadedMethodsHandlerAdapter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.web.reactive.config.WebFluxConfigurer;

import static org.assertj.core.api.Assertions.assertThat;

class FluxgateOffloadAutoConfigurationTests {

	private final ReactiveWebApplicationContextRunner runner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(FluxgateAutoConfiguration.class,
				FluxgateOffloadAutoConfiguration.class, FluxgateEventLoopAutoConfiguration.class,
				FluxgateBackgroundAutoConfiguration.class))
		.withBean(ServerCodecConfigurer.class, ServerCodecConfigurer::create);

	@Test
	void registersOffloadExecutorsAndBackgroundTasksAsGates() {
		this.runner.withPropertyValues("fluxgate.offload.blocking.threads=7", "fluxgate.offload.cpu.queue-capacity=3")
			.run((context) -> {
				Offload offload = context.getBean(Offload.class);
				assertThat(offload.blockingExecutor().settings().threads()).isEqualTo(7);
				assertThat(offload.cpuExecutor().settings().queueCapacity()).isEqualTo(3);
				assertThat(offload.cpuExecutor().settings().threads())
					.isEqualTo(Runtime.getRuntime().availableProcessors());
				assertThat(context.getBean(GateRegistry.class).snapshots())
					.extracting((gate) -> gate.kind() + "/" + gate.name())
					.contains("offload/blocking", "offload/cpu", "offload/blocking-methods", "background/background");
				assertThat(context).hasSingleBean(OffloadWebFilter.class)
					.hasSingleBean(BackgroundTasksWebFilter.class)
					.hasSingleBean(BackgroundTasks.class)
					.hasSingleBean(WebFluxConfigurer.class);
			});
	}

	@Test
	void controllerOffloadingCanBeSwitchedOff() {
		this.runner.withPropertyValues("fluxgate.offload.blocking.controllers=false").run((context) -> {
			assertThat(context).hasSingleBean(Offload.class);
			assertThat(context).doesNotHaveBean(WebFluxConfigurer.class);
			// Still there: it keeps client aborts and slow bodies out of the ERROR log for every handler.
			assertThat(context).hasSingleBean(OffloadWebFilter.class);
		});
	}

	@Test
	void backsOffWhenFluxgateIsDisabled() {
		this.runner.withPropertyValues("fluxgate.enabled=false").run((context) -> assertThat(context)
			.doesNotHaveBean(Offload.class)
			.doesNotHaveBean(BackgroundTasks.class)
			.doesNotHaveBean(WebFluxConfigurer.class));
	}

	@Test
	void userOffloadBeanWins() {
		this.runner.withUserConfiguration(UserOffload.class).run((context) -> {
			assertThat(context).hasSingleBean(Offload.class);
			assertThat(context.getBean(Offload.class).blockingExecutor().settings().threads()).isEqualTo(3);
		});
	}

	@Test
	void eachControllerMethodGetsAShareOfTheBlockingExecutorUnlessSwitchedOff() {
		this.runner.withPropertyValues("fluxgate.offload.blocking.threads=20", "fluxgate.offload.queue-target=40ms")
			.run((context) -> {
				assertThat(context).hasSingleBean(OffloadedMethodsHandlerAdapter.class);
				assertThat(context.getBean(GateRegistry.class).snapshots())
					.filteredOn((gate) -> gate.name().equals("blocking-methods"))
					.singleElement()
					.satisfies((gate) -> assertThat(gate.limit()).isEqualTo(15));
				assertThat(context.getBean(Offload.class).blockingExecutor().settings().queueTarget())
					.isEqualTo(Duration.ofMillis(40));
			});
		this.runner.withPropertyValues("fluxgate.offload.blocking.method-share=100")
			.run((context) -> assertThat(context).doesNotHaveBean(OffloadedMethodsHandlerAdapter.class));
	}

	@Test
	void invalidPropertiesFailStartupNamingTheProperty() {
		this.runner.withPropertyValues("fluxgate.offload.blocking.queue-capacity=-1").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidPropertyException.class)
				.hasMessageContaining("fluxgate.offload.blocking.queue-capacity")
				.hasMessageContaining("-1")
				.hasMessageContaining("between 0 and 1000000");
		});
		this.runner.withPropertyValues("fluxgate.offload.blocking.method-share=0")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("fluxgate.offload.blocking.method-share")
				.hasMessageContaining("between 1 and 100"));
		this.runner.withPropertyValues("fluxgate.offload.queue-target=0ms")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("fluxgate.offload.queue-target"));
		this.runner.withPropertyValues("fluxgate.event-loop.stall-threshold=0s")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("fluxgate.event-loop.stall-threshold"));
		this.runner.withPropertyValues("fluxgate.background.concurrency=0")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("fluxgate.background.concurrency"));
	}

	@Test
	@EnabledForJreRange(max = JRE.JAVA_20)
	void virtualThreadsBeforeJava21FailStartupWithTheReason() {
		this.runner.withPropertyValues("fluxgate.offload.blocking.virtual-threads=true")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("fluxgate.offload.blocking.virtual-threads")
				.hasMessageContaining("Java 21"));
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21)
	void virtualThreadsOnJava21RunControllerWorkOnBoundedVirtualThreads() {
		this.runner.withPropertyValues("fluxgate.offload.blocking.virtual-threads=true",
				"fluxgate.offload.blocking.threads=2")
			.run((context) -> {
				Offload offload = context.getBean(Offload.class);
				Thread thread = offload.blocking(Thread::currentThread).block(Duration.ofSeconds(5));
				assertThat(thread.getName()).startsWith("fluxgate-blocking-");
				assertThat((Boolean) Thread.class.getMethod("isVirtual").invoke(thread)).isTrue();
				assertThat(offload.blockingExecutor().snapshot().limit()).isEqualTo(2);
			});
	}

	@Configuration(proxyBeanMethods = false)
	static class UserOffload {

		@Bean
		Offload userOffload() {
			BoundedExecutorSettings settings = new BoundedExecutorSettings("blocking", 3, 3, Duration.ofSeconds(1),
					Duration.ofSeconds(1), false);
			return new Offload(new BoundedExecutor(settings, null), new BoundedExecutor(settings, null));
		}

	}

}

package dev.fluxgate.bench.jmh;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.fluxgate.bench.app.BenchApplication;
import dev.fluxgate.bench.app.BenchController;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import org.springframework.boot.ApplicationContextFactory;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.web.context.reactive.GenericReactiveWebApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;

/**
 * One request through the application's real {@link HttpHandler}: Boot's auto-configured handler over every
 * {@code WebFilter}, the dispatcher, the handler adapter (and for the imperative handler Fluxgate's hop to the
 * blocking executor) and the codecs, without a socket. The application is {@link BenchApplication}, started as
 * Boot starts it but in a reactive context without a server; each {@link #config} starts it with other properties,
 * so the cost of each guard shows as the difference to {@code default}, and Fluxgate's whole cost as the difference
 * between {@code default} and {@code off}.
 * <p>
 * Only public surface is used (properties, the application context, HTTP), so the benchmark keeps working when
 * Fluxgate's internals change. Run it with {@code bench/jmh.sh}; {@code -prof gc} reports bytes allocated per request
 * ({@code gc.alloc.rate.norm}), which is deterministic and the best guide on a noisy machine.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
// Two forks: the JIT may compile the chain differently in each, which shows in allocation (escape analysis).
@Fork(value = 2, jvmArgsAppend = { "-Xms512m", "-Xmx512m" })
public class RequestPathBenchmark {

	/**
	 * The configurations by name. A {@link #config} value that is not a name is read as properties separated by
	 * {@code ;}, so a new variant needs no code: {@code -p config='fluxgate.server.request-timeout=0;x=y'}.
	 */
	static final Map<String, List<String>> CONFIGS = new LinkedHashMap<>();

	static {
		CONFIGS.put("off", List.of("fluxgate.enabled=false"));
		CONFIGS.put("default", List.of());
		CONFIGS.put("no-deadline", List.of("fluxgate.server.request-timeout=0"));
		CONFIGS.put("no-shedding", List.of("fluxgate.server.concurrency.mode=off"));
		CONFIGS.put("no-rate-limit", List.of("fluxgate.rate-limit.enabled=false"));
		CONFIGS.put("no-offload", List.of("fluxgate.offload.blocking.controllers=false"));
		CONFIGS.put("no-meters", List.of("management.metrics.enable.fluxgate=false"));
		List<String> guardsOff = new ArrayList<>();
		CONFIGS.forEach((name, properties) -> {
			if (name.startsWith("no-")) {
				guardsOff.addAll(properties);
			}
		});
		CONFIGS.put("guards-off", List.copyOf(guardsOff));
	}

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	/** Which application: a name from {@link #CONFIGS} or {@code ;}-separated properties. */
	@Param({ "off", "default", "no-deadline", "no-shedding", "no-rate-limit", "no-offload", "no-meters",
			"guards-off" })
	public String config;

	private ConfigurableApplicationContext context;

	private HttpHandler handler;

	@Setup(Level.Trial)
	public void start() {
		List<String> args = new ArrayList<>();
		for (String property : properties(this.config)) {
			args.add("--" + property);
		}
		SpringApplication application = new SpringApplication(BenchApplication.class);
		application.setWebApplicationType(WebApplicationType.REACTIVE);
		// A reactive context without a server: requests come from this benchmark, not from a socket.
		application.setApplicationContextFactory(ApplicationContextFactory.of(GenericReactiveWebApplicationContext::new));
		application.setBannerMode(Banner.Mode.OFF);
		this.context = application.run(args.toArray(String[]::new));
		// The handler Boot's server would use; a context without Boot's HttpHandler bean gets Spring's own assembly.
		this.handler = this.context.getBeanProvider(HttpHandler.class)
			.getIfAvailable(() -> WebHttpHandlerBuilder.applicationContext(this.context).build());
		check(BenchController.REACTIVE);
		check(BenchController.IMPERATIVE);
	}

	@TearDown(Level.Trial)
	public void stop() {
		if (this.context != null) {
			this.context.close();
		}
	}

	/** {@code Mono<String> mono()}: the event-loop path. */
	@Benchmark
	public int reactive() {
		return exchange(BenchController.REACTIVE);
	}

	/** {@code String hello()}: offloaded to the blocking executor when Fluxgate is on. */
	@Benchmark
	public int imperative() {
		return exchange(BenchController.IMPERATIVE);
	}

	/** The status (unset means 200, as on a server); anything else fails the run rather than measure an error. */
	private int exchange(String path) {
		MockServerHttpResponse response = new MockServerHttpResponse();
		this.handler.handle(MockServerHttpRequest.get(path).build(), response).block(TIMEOUT);
		HttpStatusCode status = response.getStatusCode();
		int code = (status != null) ? status.value() : 200;
		if (code != 200) {
			throw new IllegalStateException("GET " + path + " answered " + code + " with config " + this.config);
		}
		return code;
	}

	private void check(String path) {
		MockServerHttpResponse response = new MockServerHttpResponse();
		this.handler.handle(MockServerHttpRequest.get(path).build(), response).block(TIMEOUT);
		String body = response.getBodyAsString().block(TIMEOUT);
		if (!"ok".equals(body)) {
			throw new IllegalStateException("GET " + path + " answered " + response.getStatusCode() + " '" + body
					+ "' with config " + this.config);
		}
	}

	static List<String> properties(String config) {
		List<String> named = CONFIGS.get(config);
		if (named != null) {
			return named;
		}
		if (!config.contains("=")) {
			throw new IllegalArgumentException("Unknown config '" + config + "': use one of " + CONFIGS.keySet()
					+ " or properties such as 'a.b=1;c.d=2'");
		}
		List<String> properties = new ArrayList<>();
		for (String property : config.split(";")) {
			if (!property.isBlank()) {
				properties.add(property.trim());
			}
		}
		return properties;
	}

}

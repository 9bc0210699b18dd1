package dev.fluxgate.autoconfigure.doctor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import dev.fluxgate.gate.Gate;
import dev.fluxgate.gate.GateRegistry;
import dev.fluxgate.gate.GateSnapshot;
import dev.fluxgate.gate.GateStats;
import dev.fluxgate.test.TestServices;
import io.micrometer.core.instrument.MeterRegistry;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every series the Grafana dashboard queries exists in the Prometheus scrape of a running application with the
 * starter, PostgreSQL and Redis, after one request of each kind. Series whose producer is not in this build are
 * listed, with the reason, in {@code dashboard-metrics-allowlist.txt}.
 */
class DashboardMetricsTests {

	private static final Path DASHBOARD = Path.of("..", "docs", "dashboards", "fluxgate.json");

	private static final Pattern EXPR = Pattern.compile("\"expr\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

	private static final Pattern SERIES = Pattern.compile("\\b([a-z_][a-z0-9_]*)\\{");

	@Test
	void everySeriesTheDashboardQueriesIsExported() throws IOException {
		Set<String> queried = queriedSeries();
		assertThat(queried).contains("fluxgate_r2dbc_pool_acquire_seconds_max", "r2dbc_pool_pending_connections",
				"fluxgate_gate_rejected_total");
		List<String> properties = new ArrayList<>(List.of(TestServices.postgres().r2dbcProperties()));
		properties.addAll(List.of(TestServices.redis().properties()));
		properties.addAll(List.of("server.port=0", "management.endpoints.web.exposure.include=health,prometheus",
				"spring.r2dbc.pool.max-size=2"));
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(TestApp.class)
			.web(WebApplicationType.REACTIVE)
			.properties(properties.toArray(String[]::new))
			.run()) {
			String base = "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port");
			exerciseEverything(context, base);

			String scrape = WebClient.create(base)
				.get()
				.uri("/actuator/prometheus")
				.retrieve()
				.bodyToMono(String.class)
				.block(Duration.ofSeconds(10));
			Set<String> exported = scrape.lines()
				.filter((line) -> !line.startsWith("#") && !line.isBlank())
				.map((line) -> line.split("[{ ]", 2)[0])
				.collect(Collectors.toCollection(TreeSet::new));
			Set<String> missing = new TreeSet<>(queried);
			missing.removeAll(exported);
			missing.removeAll(allowList());
			assertThat(missing).as("series queried by the dashboard but not exported").isEmpty();
		}
	}

	private static void exerciseEverything(ConfigurableApplicationContext context, String base) {
		// One pooled R2DBC acquisition, one Redis command. First: on a busy machine the first Redis connect can take
		// longer than the 2 s health timeout, and the health call below must not depend on it.
		Mono.usingWhen(context.getBean(ConnectionFactory.class).create(), (connection) -> Mono.just(1),
				Connection::close)
			.block(Duration.ofSeconds(30));
		context.getBean(ReactiveStringRedisTemplate.class)
			.hasKey("observability:dashboard:" + UUID.randomUUID())
			.block(Duration.ofSeconds(30));
		// A WebClient call through the auto-configured builder: the dedicated pool's gauges and http.client.requests.
		// Any status will do (a health component may still be DOWN on a cold start); the call is what is measured.
		context.getBean(WebClient.Builder.class)
			.baseUrl(base)
			.build()
			.get()
			.uri("/actuator/health")
			.exchangeToMono((response) -> response.releaseBody())
			.block(Duration.ofSeconds(30));
		// A gate, as every shedder, bulkhead, rate limiter and offload scheduler registers one.
		GateRegistry gates = context.getBean(GateRegistry.class);
		GateStats stats = new GateStats("dashboard", "bulkhead", context.getBean(MeterRegistry.class));
		gates.register(new Gate() {

			@Override
			public String name() {
				return "dashboard";
			}

			@Override
			public String kind() {
				return "bulkhead";
			}

			@Override
			public GateSnapshot snapshot() {
				return new GateSnapshot(name(), kind(), 1, 0, 0, stats.admittedCount(), stats.rejectedCounts());
			}

		});
		stats.admitted(Duration.ofMillis(1));
		stats.rejected("full");
	}

	private static Set<String> queriedSeries() throws IOException {
		String dashboard = Files.readString(DASHBOARD, StandardCharsets.UTF_8);
		Set<String> series = new TreeSet<>();
		Matcher expr = EXPR.matcher(dashboard);
		while (expr.find()) {
			Matcher name = SERIES.matcher(expr.group(1));
			while (name.find()) {
				series.add(name.group(1));
			}
		}
		return series;
	}

	private static Set<String> allowList() throws IOException {
		try (InputStream input = DashboardMetricsTests.class.getResourceAsStream("dashboard-metrics-allowlist.txt")) {
			return new String(input.readAllBytes(), StandardCharsets.UTF_8).lines()
				.map(String::strip)
				.filter((line) -> !line.isEmpty() && !line.startsWith("#"))
				.collect(Collectors.toSet());
		}
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class TestApp {

	}

}

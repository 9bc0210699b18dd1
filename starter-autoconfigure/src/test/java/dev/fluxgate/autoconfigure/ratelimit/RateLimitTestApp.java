package dev.fluxgate.autoconfigure.ratelimit;

import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * A real WebFlux application on a random loopback port, with {@code /api/hello} and {@code /open}.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
class RateLimitTestApp {

	@Bean
	RouterFunction<ServerResponse> routes() {
		return RouterFunctions.route()
			.GET("/api/hello", (request) -> ServerResponse.ok().bodyValue("hello"))
			.GET("/open", (request) -> ServerResponse.ok().bodyValue("open"))
			.build();
	}

	static ConfigurableApplicationContext start(String... properties) {
		List<String> all = new ArrayList<>(List.of("server.port=0", "server.address=127.0.0.1",
				"spring.main.banner-mode=off", "management.endpoints.web.exposure.include=health"));
		all.addAll(List.of(properties));
		return new SpringApplicationBuilder(RateLimitTestApp.class).properties(all.toArray(String[]::new)).run();
	}

	static String baseUrl(ConfigurableApplicationContext context) {
		return "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port");
	}

}

package dev.fluxgate.autoconfigure.offload;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import dev.fluxgate.offload.StayOnEventLoop;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which controller methods run on the blocking executor, told by the thread each method body runs on in a real
 * server: every return type WebFlux subscribes to stays on the event loop (Spring's reading of a handler's return
 * type: its reactive adapters, and a reactive body inside {@code ResponseEntity}/{@code HttpEntity}); only methods
 * whose value is written as it is are offloaded.
 */
class OffloadedReturnTypesTests {

	private static final String EVENT_LOOP = "reactor-http-";

	private static final String OFFLOADED = "fluxgate-blocking-";

	private static final AtomicReference<String> voidThread = new AtomicReference<>();

	private static ConfigurableApplicationContext context;

	private static WebTestClient client;

	@BeforeAll
	static void start() {
		context = new SpringApplicationBuilder(TestApplication.class).web(WebApplicationType.REACTIVE)
			.properties("server.port=0", "spring.main.banner-mode=off", "spring.reactor.netty.shutdown-quiet-period=0s",
					"fluxgate.offload.blocking.exclude=" + ReturnTypesController.class.getName() + "#excluded")
			.run();
		client = WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port"))
			.responseTimeout(Duration.ofSeconds(20))
			.build();
	}

	@AfterAll
	static void stop() {
		context.close();
	}

	@ParameterizedTest(name = "{0} stays on the event loop")
	@ValueSource(strings = { "/mono", "/flux", "/response-entity-of-mono", "/response-entity-of-flux",
			"/http-entity-of-mono", "/mono-of-response-entity", "/completable-future", "/publisher",
			"/generic-mono", "/annotated", "/excluded" })
	void reactiveMethodsRunOnTheEventLoop(String path) {
		assertThat(threadOf(path)).startsWith(EVENT_LOOP);
	}

	@ParameterizedTest(name = "{0} is offloaded")
	@ValueSource(strings = { "/string", "/pojo", "/response-entity-of-string", "/response-entity-of-wildcard" })
	void imperativeMethodsAreOffloaded(String path) {
		assertThat(threadOf(path)).contains(OFFLOADED); // the POJO comes as {"thread":"..."}
	}

	@Test
	void voidMethodIsOffloaded() {
		voidThread.set(null);
		client.get().uri("/void").exchange().expectStatus().isOk();
		assertThat(voidThread.get()).startsWith(OFFLOADED);
	}

	private static String threadOf(String path) {
		return client.get().uri(path).exchange().expectStatus().isOk().expectBody(String.class).returnResult()
			.getResponseBody();
	}

	private static String thread() {
		return Thread.currentThread().getName();
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class TestApplication {

		@Bean
		ReturnTypesController returnTypesController() {
			return new ReturnTypesController();
		}

		@Bean
		GenericMonoController genericMonoController() {
			return new GenericMonoController();
		}

	}

	record Body(String thread) {

	}

	@RestController
	static class ReturnTypesController {

		@GetMapping("/mono")
		Mono<String> mono() {
			return Mono.just(thread());
		}

		@GetMapping("/flux")
		Flux<String> flux() {
			return Flux.just(thread());
		}

		@GetMapping("/response-entity-of-mono")
		ResponseEntity<Mono<String>> responseEntityOfMono() {
			return ResponseEntity.ok(Mono.just(thread()));
		}

		@GetMapping("/response-entity-of-flux")
		ResponseEntity<Flux<String>> responseEntityOfFlux() {
			return ResponseEntity.ok(Flux.just(thread()));
		}

		@GetMapping("/http-entity-of-mono")
		HttpEntity<Mono<String>> httpEntityOfMono() {
			return new HttpEntity<>(Mono.just(thread()));
		}

		@GetMapping("/mono-of-response-entity")
		Mono<ResponseEntity<String>> monoOfResponseEntity() {
			return Mono.just(ResponseEntity.ok(thread()));
		}

		@GetMapping("/completable-future")
		CompletableFuture<String> completableFuture() {
			return CompletableFuture.completedFuture(thread());
		}

		@GetMapping("/publisher")
		Publisher<String> publisher() {
			return Mono.just(thread());
		}

		@StayOnEventLoop
		@GetMapping("/annotated")
		String annotated() {
			return thread();
		}

		@GetMapping("/excluded")
		String excluded() {
			return thread();
		}

		@GetMapping("/string")
		String string() {
			return thread();
		}

		@GetMapping("/pojo")
		Body pojo() {
			return new Body(thread());
		}

		@GetMapping("/response-entity-of-string")
		ResponseEntity<String> responseEntityOfString() {
			return ResponseEntity.ok(thread());
		}

		@GetMapping("/response-entity-of-wildcard")
		ResponseEntity<?> responseEntityOfWildcard() {
			return ResponseEntity.ok(thread());
		}

		@GetMapping("/void")
		@ResponseStatus(HttpStatus.OK)
		void none() {
			voidThread.set(thread());
		}

	}

	/** The return type is a type variable, resolved against the controller class: {@code Mono<String>}. */
	abstract static class GenericController<T> {

		@GetMapping("/generic-mono")
		T generic() {
			return value(thread());
		}

		abstract T value(String thread);

	}

	@RestController
	static class GenericMonoController extends GenericController<Mono<String>> {

		@Override
		Mono<String> value(String thread) {
			return Mono.just(thread);
		}

	}

}

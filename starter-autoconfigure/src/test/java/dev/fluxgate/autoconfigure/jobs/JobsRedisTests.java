package dev.fluxgate.autoconfigure.jobs;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import dev.fluxgate.autoconfigure.jobs.JobsTestApp.Handlers;
import dev.fluxgate.autoconfigure.jobs.JobsTestApp.Run;
import dev.fluxgate.autoconfigure.jobs.JobsTestApp.Signup;
import dev.fluxgate.jobs.Jobs;
import dev.fluxgate.jobs.SubmitOptions;
import dev.fluxgate.overload.CapacityExceededException;
import dev.fluxgate.test.TestServices;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Durable jobs against the real Redis, through real applications: every queue name carries this run's random prefix,
 * so parallel runs never share a key, and the keys are deleted afterwards.
 */
class JobsRedisTests {

	private static final String PREFIX = "jt" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);

	private static final Duration PATIENCE = Duration.ofSeconds(60);

	private static final List<ConfigurableApplicationContext> contexts = new ArrayList<>();

	private static ConfigurableApplicationContext main;

	private static String queue(String name) {
		return PREFIX + "-" + name;
	}

	/** The main instance handles the shared queues; any other only the queues a test gives it. */
	private static List<String> properties(String instance, String... extra) {
		TestServices.Redis redis = TestServices.redis();
		String own = "main".equals(instance) ? "" : instance + "-";
		List<String> properties = new ArrayList<>(List.of("spring.data.redis.host=" + redis.host(),
				"spring.data.redis.port=" + redis.port(), "spring.application.name=jobs-test", "test.instance=" + instance,
				"test.queue.basic=" + queue(own + "basic"), "test.queue.flaky=" + queue(own + "flaky"),
				"test.queue.poison=" + queue(own + "poison"), "test.queue.slow=" + queue(own + "slow"),
				"test.queue.shared=" + queue(own + "shared"), "test.queue.hang=" + queue(own + "hang"),
				"test.own-loops=" + !"main".equals(instance),
				"fluxgate.jobs.backoff.initial=50ms", "fluxgate.jobs.backoff.max=200ms",
				"fluxgate.jobs.queues." + queue("poison") + ".max-attempts=3",
				"fluxgate.jobs.queues." + queue("slow") + ".max-attempts=2",
				"fluxgate.jobs.queues." + queue("slow") + ".attempt-timeout=300ms",
				"fluxgate.jobs.queues." + queue("shared") + ".concurrency=2",
				"fluxgate.jobs.queues." + queue("hang") + ".visibility-timeout=2s",
				"fluxgate.jobs.queues." + queue("full") + ".max-length=2",
				"fluxgate.jobs.queues." + queue("burst") + ".max-length=100"));
		properties.addAll(List.of(extra));
		// one value per property, the last given winning (a repeated command-line option would join them)
		Map<String, String> unique = new java.util.LinkedHashMap<>();
		properties.forEach((property) -> unique.put(property.substring(0, property.indexOf('=')), property));
		return new ArrayList<>(unique.values());
	}

	private static ConfigurableApplicationContext start(String instance, String... extra) {
		ConfigurableApplicationContext context = JobsTestApp.start(properties(instance, extra).toArray(String[]::new));
		contexts.add(context);
		return context;
	}

	@BeforeAll
	static void startMain() {
		main = start("main");
	}

	@AfterAll
	static void cleanUp() {
		contexts.stream().filter(ConfigurableApplicationContext::isActive).forEach(ConfigurableApplicationContext::close);
		TestServices.Redis redis = TestServices.redis();
		LettuceConnectionFactory factory = new LettuceConnectionFactory(redis.host(), redis.port());
		factory.afterPropertiesSet();
		factory.start();
		try {
			ReactiveStringRedisTemplate template = new ReactiveStringRedisTemplate(factory);
			template.scan(ScanOptions.scanOptions().match("{fluxgate:jobs:" + PREFIX + "-*").count(1000).build())
				.flatMap(template::delete)
				.blockLast(Duration.ofSeconds(10));
		}
		finally {
			factory.destroy();
		}
	}

	private static Jobs jobs(ConfigurableApplicationContext context) {
		return context.getBean(Jobs.class);
	}

	private static Handlers handlers(ConfigurableApplicationContext context) {
		return context.getBean(Handlers.class);
	}

	private static List<Run> runsOf(ConfigurableApplicationContext context, String queue, String id) {
		return handlers(context).runs(queue).stream().filter((run) -> run.id().equals(id)).toList();
	}

	private static String submit(String queue, Object payload) {
		return jobs(main).submit(queue, payload).block(Duration.ofSeconds(10));
	}

	@Test
	void submittedJobRunsOnceOnTheBlockingExecutorWithItsPayloadConverted() {
		String id = submit(queue("basic"), new Signup("ada@example.com", 1));
		await().atMost(PATIENCE).until(() -> !runsOf(main, queue("basic"), id).isEmpty());
		Run run = runsOf(main, queue("basic"), id).get(0);
		assertThat(run.attempt()).isEqualTo(1);
		assertThat(run.payload()).isEqualTo(new Signup("ada@example.com", 1));
		assertThat(run.thread()).startsWith("fluxgate-blocking-");
		MeterRegistry meters = main.getBean(MeterRegistry.class);
		await().atMost(PATIENCE)
			.until(() -> meters.get("fluxgate.jobs.completed").tag("queue", queue("basic")).counter().count() >= 1);
		assertThat(meters.get("fluxgate.jobs.submitted").tag("queue", queue("basic")).counter().count())
			.isGreaterThanOrEqualTo(1);
		// acknowledged and deleted: nothing left in Redis but (maybe) the delayed job of another test
		await().atMost(PATIENCE).until(() -> {
			var stats = jobs(main).stats(queue("basic")).block(Duration.ofSeconds(5));
			return stats.backlog() == 0 && stats.pending() == 0;
		});
		assertThat(runsOf(main, queue("basic"), id)).hasSize(1);
	}

	@Test
	void failedAttemptsAreRetriedWithBackoffUntilOneSucceeds() {
		String id = submit(queue("flaky"), new Signup("bob@example.com", 2));
		await().atMost(PATIENCE).until(() -> handlers(main).runs(queue("flaky")).size() >= 3);
		List<Run> runs = handlers(main).runs(queue("flaky"));
		assertThat(runs).extracting(Run::attempt).containsExactly(1, 2, 3);
		assertThat(runs).extracting(Run::id).containsOnly(id);
		// a Mono handler runs on an event loop (Lettuce's), not on the blocking executor
		assertThat(runs.get(0).thread()).doesNotStartWith("fluxgate-blocking-");
		// the waits between attempts: at least the backoff less its jitter (50 ms x 2^n x (1 - 0.5))
		assertThat(runs.get(1).at() - runs.get(0).at()).isGreaterThanOrEqualTo(20);
		MeterRegistry meters = main.getBean(MeterRegistry.class);
		await().atMost(PATIENCE)
			.until(() -> meters.get("fluxgate.jobs.completed").tag("queue", queue("flaky")).counter().count() == 1);
		assertThat(meters.get("fluxgate.jobs.attempts.failed").tag("queue", queue("flaky")).counter().count())
			.isEqualTo(2);
	}

	@Test
	void jobIsDeadLetteredAfterMaxAttemptsWithItsLastErrorAndReplayedThroughTheEndpoint() {
		String id = submit(queue("poison"), new Signup("eve@example.com", 3));
		await().atMost(PATIENCE).until(() -> jobs(main).stats(queue("poison")).block(Duration.ofSeconds(5)).dead() == 1);
		assertThat(handlers(main).runs(queue("poison"))).extracting(Run::attempt).containsExactly(1, 2, 3);
		WebClient client = WebClient.create(JobsTestApp.baseUrl(main));
		Map<String, Object> queue = client.get()
			.uri("/actuator/jobs/{queue}", queue("poison"))
			.retrieve()
			.bodyToMono(new ParameterizedTypeReference<Map<String, Object>>() {
			})
			.block(Duration.ofSeconds(10));
		assertThat(queue).containsEntry("dead", 1).containsEntry("backlog", 0).containsEntry("handledHere", true);
		@SuppressWarnings("unchecked")
		List<Map<String, Object>> deadLetters = (List<Map<String, Object>>) queue.get("deadLetters");
		assertThat(deadLetters).singleElement().satisfies((letter) -> {
			assertThat(letter).containsEntry("id", id).containsEntry("attempts", 3);
			assertThat((String) letter.get("error")).contains("IllegalArgumentException")
				.contains("cannot welcome eve@example.com");
		});
		MeterRegistry meters = main.getBean(MeterRegistry.class);
		assertThat(meters.get("fluxgate.jobs.dead.lettered").tag("queue", queue("poison")).counter().count())
			.isEqualTo(1);

		handlers(main).poisonFixed = true;
		Map<String, Object> replayed = client.post()
			.uri("/actuator/jobs/{queue}", queue("poison"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of())
			.retrieve()
			.bodyToMono(new ParameterizedTypeReference<Map<String, Object>>() {
			})
			.block(Duration.ofSeconds(10));
		assertThat(replayed).containsEntry("replayed", 1);
		await().atMost(PATIENCE).until(() -> handlers(main).runs(queue("poison")).size() == 4);
		Run rerun = handlers(main).runs(queue("poison")).get(3);
		assertThat(rerun.id()).isEqualTo(id);
		assertThat(rerun.attempt()).isEqualTo(1);
		await().atMost(PATIENCE).until(() -> jobs(main).stats(queue("poison")).block(Duration.ofSeconds(5)).dead() == 0);
	}

	@Test
	void badQueueNameInTheEndpointIsABadRequest() {
		WebClient client = WebClient.create(JobsTestApp.baseUrl(main));
		assertThat(client.get()
			.uri("/actuator/jobs/{queue}", "no spaces!")
			.exchangeToMono((response) -> response.releaseBody().thenReturn(response.statusCode().value()))
			.block(Duration.ofSeconds(10))).isEqualTo(400);
		assertThat(client.post()
			.uri("/actuator/jobs/{queue}", "no spaces!")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of())
			.exchangeToMono((response) -> response.releaseBody().thenReturn(response.statusCode().value()))
			.block(Duration.ofSeconds(10))).isEqualTo(400);
	}

	@Test
	void attemptThatOutlivesItsTimeoutIsCancelledAndCountsAsFailed() {
		String id = submit(queue("slow"), "never finishes");
		await().atMost(PATIENCE).until(() -> jobs(main).stats(queue("slow")).block(Duration.ofSeconds(5)).dead() == 1);
		assertThat(handlers(main).runs(queue("slow"))).extracting(Run::attempt).containsExactly(1, 2);
		assertThat(handlers(main).cancelled.get()).isEqualTo(2);
		assertThat(jobs(main).deadLetters(queue("slow"), 10).block(Duration.ofSeconds(5)))
			.singleElement()
			.satisfies((letter) -> {
				assertThat(letter.id()).isEqualTo(id);
				assertThat(letter.error()).isEqualTo("the attempt timed out after PT0.3S");
			});
	}

	@Test
	void delayedJobRunsNoEarlierThanItsDelay() {
		long submittedAt = System.currentTimeMillis();
		String id = jobs(main).submit(queue("basic"), new Signup("later@example.com", 4),
				SubmitOptions.none().delay(Duration.ofMillis(1500)))
			.block(Duration.ofSeconds(10));
		assertThat(jobs(main).stats(queue("basic")).block(Duration.ofSeconds(5)).delayed()).isGreaterThanOrEqualTo(1);
		await().atMost(PATIENCE).until(() -> !runsOf(main, queue("basic"), id).isEmpty());
		Run run = runsOf(main, queue("basic"), id).get(0);
		assertThat(run.at() - submittedAt).isGreaterThanOrEqualTo(1500 - 20);
	}

	@Test
	void secondSubmitWithTheSameIdempotencyKeyReturnsTheFirstIdAndStoresNothing() {
		String queue = queue("idempotent");
		SubmitOptions options = SubmitOptions.none().delay(Duration.ofHours(1)).idempotencyKey("welcome:42");
		String first = jobs(main).submit(queue, "first", options).block(Duration.ofSeconds(10));
		String second = jobs(main).submit(queue, "second", options).block(Duration.ofSeconds(10));
		String other = jobs(main).submit(queue, "other", options.idempotencyKey("welcome:43"))
			.block(Duration.ofSeconds(10));
		assertThat(second).isEqualTo(first);
		assertThat(other).isNotEqualTo(first);
		assertThat(jobs(main).stats(queue).block(Duration.ofSeconds(5)).delayed()).isEqualTo(2);
		assertThat(main.getBean(MeterRegistry.class).get("fluxgate.jobs.submitted").tag("queue", queue).counter().count())
			.isEqualTo(2);
	}

	@Test
	void fullQueueRefusesASubmitInsteadOfTrimmingUnprocessedJobs() {
		String queue = queue("full");
		submit(queue, 1);
		submit(queue, 2);
		assertThatThrownBy(() -> submit(queue, 3)).isInstanceOf(CapacityExceededException.class)
			.satisfies((ex) -> assertThat(((CapacityExceededException) ex).getReason()).isEqualTo("jobs-queue-full"));
		assertThat(jobs(main).stats(queue).block(Duration.ofSeconds(5)).backlog()).isEqualTo(2);
	}

	@Test
	void concurrentSubmitsEachGetTheirOwnOutcome() {
		// Submits made together travel together to Redis: the bound and idempotency still hold per job.
		String queue = queue("burst");
		List<Object> outcomes = Flux.range(0, 150)
			.flatMap((n) -> jobs(main).submit(queue, n).<Object>map((id) -> id)
				.onErrorResume(CapacityExceededException.class, (ex) -> Mono.just(ex.getReason())), 150)
			.collectList()
			.block(Duration.ofSeconds(30));
		assertThat(outcomes).filteredOn("jobs-queue-full"::equals).hasSize(50);
		assertThat(outcomes).filteredOn((outcome) -> !"jobs-queue-full".equals(outcome)).hasSize(100).doesNotHaveDuplicates();
		assertThat(jobs(main).stats(queue).block(Duration.ofSeconds(5)).backlog()).isEqualTo(100);
		String same = queue("burst-same");
		SubmitOptions options = SubmitOptions.none().delay(Duration.ofHours(1)).idempotencyKey("once");
		Set<String> ids = Flux.range(0, 50)
			.flatMap((n) -> jobs(main).submit(same, n, options), 50)
			.collect(Collectors.toSet())
			.block(Duration.ofSeconds(30));
		assertThat(ids).hasSize(1);
		assertThat(jobs(main).stats(same).block(Duration.ofSeconds(5)).delayed()).isEqualTo(1);
	}

	@Test
	void queueIsAGateAndShowsInTheConcurrencyEndpoint() {
		submit(queue("basic"), new Signup("gate@example.com", 5));
		Map<String, Object> body = WebClient.create(JobsTestApp.baseUrl(main))
			.get()
			.uri("/actuator/concurrency")
			.retrieve()
			.bodyToMono(new ParameterizedTypeReference<Map<String, Object>>() {
			})
			.block(Duration.ofSeconds(30));
		@SuppressWarnings("unchecked")
		List<Map<String, Object>> resources = (List<Map<String, Object>>) body.get("resources");
		assertThat(resources).anySatisfy((resource) -> assertThat(resource).containsEntry("type", "jobs")
			.containsEntry("name", queue("basic"))
			.containsEntry("capacity", 8));
		@SuppressWarnings("unchecked")
		List<Map<String, Object>> queues = (List<Map<String, Object>>) body.get("jobs");
		assertThat(queues).anySatisfy((queue) -> assertThat(queue).containsEntry("queue", queue("shared"))
			.containsEntry("concurrency", 2)
			.containsKeys("backlog", "pending", "delayed", "dead"));
	}

	@Test
	void twoInstancesSharingAQueueRunEveryJobExactlyOnce() {
		String queue = queue("pair");
		ConfigurableApplicationContext first = start("first", "test.queue.shared=" + queue, "test.shared-millis=20",
				"fluxgate.jobs.queues." + queue + ".concurrency=2");
		ConfigurableApplicationContext second = start("second", "test.queue.shared=" + queue, "test.shared-millis=20",
				"fluxgate.jobs.queues." + queue + ".concurrency=2");
		int count = 200;
		Set<String> ids = new HashSet<>(Flux.range(0, count)
			.flatMap((n) -> jobs(first).submit(queue, n), 16)
			.collectList()
			.block(Duration.ofSeconds(30)));
		assertThat(ids).hasSize(count);
		await().atMost(PATIENCE.multipliedBy(2))
			.until(() -> handlers(first).runs(queue).size() + handlers(second).runs(queue).size() >= count);
		List<Run> runs = new ArrayList<>();
		runs.addAll(handlers(first).runs(queue));
		runs.addAll(handlers(second).runs(queue));
		assertThat(runs).hasSize(count);
		assertThat(runs.stream().map(Run::id).collect(Collectors.toSet())).isEqualTo(ids);
		assertThat(runs).extracting(Run::attempt).containsOnly(1);
		assertThat(handlers(first).runs(queue)).isNotEmpty();
		assertThat(handlers(second).runs(queue)).isNotEmpty();
	}

	@Test
	void jobsOfAStoppedConsumerAreNotLostAndTheNextOneRunsThem() {
		String queue = queue("restart");
		ConfigurableApplicationContext before = start("before", "test.queue.shared=" + queue,
				"test.shared-millis=100", "spring.lifecycle.timeout-per-shutdown-phase=150ms");
		int count = 40;
		Set<String> ids = new HashSet<>(Flux.range(0, count)
			.flatMap((n) -> jobs(before).submit(queue, n), 8)
			.collectList()
			.block(Duration.ofSeconds(30)));
		Handlers beforeHandlers = handlers(before);
		await().atMost(PATIENCE).until(() -> beforeHandlers.runs(queue).size() >= 4);
		before.close();
		int ranBefore = beforeHandlers.runs(queue).size();
		assertThat(ranBefore).isLessThan(count);
		ConfigurableApplicationContext after = start("after", "test.queue.shared=" + queue, "test.shared-millis=1");
		Handlers afterHandlers = handlers(after);
		await().atMost(PATIENCE).until(() -> {
			Set<String> done = new HashSet<>();
			beforeHandlers.runs(queue).forEach((run) -> done.add(run.id()));
			afterHandlers.runs(queue).forEach((run) -> done.add(run.id()));
			return done.equals(ids);
		});
		after.close();
	}

	@Test
	void jobOfAnInstanceKilledMidJobIsTakenOverAfterTheVisibilityTimeout() throws Exception {
		// The child only has to start and hang: C1 only and the serial collector start it markedly faster.
		List<String> command = new ArrayList<>(List.of(
				System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
				"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
				JobsTestApp.class.getName()));
		String queue = queue("kill");
		properties("child", "test.hang=true", "test.queue.hang=" + queue,
				"fluxgate.jobs.queues." + queue + ".visibility-timeout=2s")
			.forEach((property) -> command.add("--" + property));
		Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
		try {
			CompletableFuture<String> running = new CompletableFuture<>();
			Thread reader = new Thread(() -> {
				try (BufferedReader lines = new BufferedReader(
						new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
					String line;
					while ((line = lines.readLine()) != null) {
						if (line.startsWith("RUNNING ")) {
							running.complete(line.substring("RUNNING ".length()).trim());
						}
					}
				}
				catch (Exception ex) {
					running.completeExceptionally(ex);
				}
			}, "child-output");
			reader.setDaemon(true);
			reader.start();
			String id = submit(queue, "survives SIGKILL");
			assertThat(running.get(120, TimeUnit.SECONDS)).isEqualTo(id);
			child.destroyForcibly(); // SIGKILL: no shutdown hook, no acknowledgement, no hand-back
			assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
			// another instance takes the job over once it has gone 2 s (the visibility timeout) without a sign of life
			ConfigurableApplicationContext rescuer = start("rescuer", "test.queue.hang=" + queue,
					"fluxgate.jobs.queues." + queue + ".visibility-timeout=2s");
			await().atMost(PATIENCE).until(() -> !handlers(rescuer).runs(queue).isEmpty());
			Run run = handlers(rescuer).runs(queue).get(0);
			assertThat(run.id()).isEqualTo(id);
			assertThat(run.attempt()).isEqualTo(2);
		}
		finally {
			child.destroyForcibly();
		}
	}

}

package dev.fluxgate.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import dev.fluxgate.jobs.JobHandler;
import dev.fluxgate.jobs.Jobs;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * The jobs benchmark ({@code bench/jobs/run.sh} runs it): end-to-end jobs per second, from the first submit to the
 * last completion, with a trivial reactive handler in one or two application instances (contexts of their own in this
 * JVM, each with its own connections and event loops); or a soak with a slow handler that samples the heap after a GC
 * and Redis' memory. Loopback Redis only, bounded in count and time; the queue is unique per run and deleted at the
 * end.
 *
 * <pre>
 * throughput &lt;instances&gt; &lt;jobs&gt; &lt;concurrency&gt;
 * soak &lt;seconds&gt; &lt;handler-ms&gt; &lt;concurrency&gt; &lt;submits-per-second&gt;
 * </pre>
 */
public final class JobsBenchmark {

	static final AtomicLong completed = new AtomicLong();

	private JobsBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		String queue = "bench-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 20);
		List<ConfigurableApplicationContext> instances = new ArrayList<>();
		try {
			if ("throughput".equals(args[0])) {
				throughput(queue, Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
						instances);
			}
			else {
				soak(queue, Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
						Integer.parseInt(args[4]), instances);
			}
		}
		finally {
			instances.forEach(ConfigurableApplicationContext::close);
			cleanUp(queue);
		}
		System.exit(0);
	}

	private static ConfigurableApplicationContext start(String queue, int concurrency, long handlerMillis) {
		String host = System.getProperty("bench.redis.host", "127.0.0.1");
		String port = System.getProperty("bench.redis.port", "6379");
		return new SpringApplicationBuilder(BenchApp.class).web(WebApplicationType.NONE)
			.properties("spring.main.banner-mode=off", "logging.level.root=WARN", "spring.data.redis.host=" + host,
					"spring.data.redis.port=" + port, "spring.data.redis.timeout=30s", "bench.queue=" + queue, "bench.handler-millis=" + handlerMillis,
					"fluxgate.jobs.queues." + queue + ".concurrency=" + concurrency,
					"fluxgate.jobs.queues." + queue + ".max-length=10000000")
			.run();
	}

	private static void throughput(String queue, int instanceCount, int jobs, int concurrency,
			List<ConfigurableApplicationContext> instances) {
		for (int i = 0; i < instanceCount; i++) {
			instances.add(start(queue, concurrency, 0));
		}
		Jobs submitter = instances.get(0).getBean(Jobs.class);
		// warm up: connections, scripts loaded, JIT
		run(submitter, queue, Math.min(5000, jobs / 5), 64);
		completed.set(0);
		com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory
			.getOperatingSystemMXBean();
		long cpuBefore = os.getProcessCpuTime();
		long started = System.nanoTime();
		long submittedAt = run(submitter, queue, jobs, Integer.getInteger("bench.in-flight", 256));
		long finished = System.nanoTime();
		long cpu = os.getProcessCpuTime() - cpuBefore;
		double seconds = (finished - started) / 1e9;
		System.out.printf("RESULT throughput instances=%d jobs=%d concurrency=%d submit_s=%.2f total_s=%.2f jobs_per_s=%.0f jvm_cpu_us_per_job=%.0f jvm_cores_used=%.2f%n",
				instanceCount, jobs, concurrency, (submittedAt - started) / 1e9, seconds, jobs / seconds,
				cpu / 1000.0 / jobs, cpu / 1e9 / seconds);
	}

	/** Submits {@code jobs} jobs and waits until as many completed; returns when the last submit finished. */
	private static long run(Jobs jobs, String queue, int count, int inFlight) {
		long target = completed.get() + count;
		Flux.range(0, count).flatMap((n) -> jobs.submit(queue, n), inFlight).then().block(Duration.ofMinutes(10));
		long submitted = System.nanoTime();
		long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
		while (completed.get() < target && System.nanoTime() < deadline) {
			sleep(2);
		}
		if (completed.get() < target) {
			throw new IllegalStateException("Only " + completed.get() + " of " + target + " jobs completed");
		}
		return submitted;
	}

	private static void soak(String queue, int seconds, int handlerMillis, int concurrency, int perSecond,
			List<ConfigurableApplicationContext> instances) {
		instances.add(start(queue, concurrency, handlerMillis));
		Jobs jobs = instances.get(0).getBean(Jobs.class);
		ReactiveStringRedisTemplate redis = new ReactiveStringRedisTemplate(
				instances.get(0).getBean(ReactiveRedisConnectionFactory.class));
		MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
		AtomicLong submitted = new AtomicLong();
		var producer = Flux.interval(Duration.ofMillis(100))
			.take(Duration.ofSeconds(seconds))
			.onBackpressureDrop()
			.concatMap((tick) -> Flux.range(0, Math.max(1, perSecond / 10))
				.flatMap((n) -> jobs.submit(queue, n).doOnNext((id) -> submitted.incrementAndGet()), 64))
			.subscribe();
		long start = System.nanoTime();
		int sampleEvery = Math.max(5, seconds / 20);
		System.out.println("SOAK t_s submitted completed backlog heap_after_gc_mb rss_mb redis_used_mb");
		for (int t = 0; t <= seconds; t += sampleEvery) {
			long wait = start + Duration.ofSeconds(t).toNanos() - System.nanoTime();
			if (wait > 0) {
				sleep(wait / 1_000_000);
			}
			System.gc();
			long heap = memory.getHeapMemoryUsage().getUsed() / (1024 * 1024);
			var stats = jobs.stats(queue).block(Duration.ofSeconds(10));
			String info = redis.getConnectionFactory().getReactiveConnection().serverCommands().info("memory")
				.block(Duration.ofSeconds(10)).getProperty("used_memory");
			System.out.printf("SOAK %d %d %d %d %d %d %.1f%n", t, submitted.get(), completed.get(),
					stats.backlog() + stats.pending(), heap, residentMegabytes(), Long.parseLong(info.trim()) / 1048576.0);
		}
		producer.dispose();
	}

	/** The process' resident set (Linux), or -1: off-heap buffers and threads show here, not in the heap. */
	private static long residentMegabytes() {
		try {
			for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
				if (line.startsWith("VmRSS:")) {
					return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
				}
			}
		}
		catch (java.io.IOException | RuntimeException ex) {
			// not Linux
		}
		return -1;
	}

	private static void cleanUp(String queue) {
		ConfigurableApplicationContext cleaner = new SpringApplicationBuilder(CleanUpApp.class)
			.web(WebApplicationType.NONE)
			.properties("spring.main.banner-mode=off", "logging.level.root=WARN", "fluxgate.jobs.enabled=false",
					"spring.data.redis.host=" + System.getProperty("bench.redis.host", "127.0.0.1"),
					"spring.data.redis.port=" + System.getProperty("bench.redis.port", "6379"))
			.run();
		try {
			ReactiveStringRedisTemplate redis = new ReactiveStringRedisTemplate(
					cleaner.getBean(ReactiveRedisConnectionFactory.class));
			redis.scan(ScanOptions.scanOptions().match("{fluxgate:jobs:" + queue + "}*").count(1000).build())
				.flatMap(redis::delete)
				.blockLast(Duration.ofSeconds(30));
		}
		finally {
			cleaner.close();
		}
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class BenchApp {

		@Bean
		Handler handler(@Value("${bench.handler-millis}") long handlerMillis) {
			return new Handler(handlerMillis);
		}

		/** Event loops of its own per instance, like separate processes. */
		@Bean
		ReactorResourceFactory ownReactorResources() {
			ReactorResourceFactory factory = new ReactorResourceFactory();
			factory.setUseGlobalResources(false);
			return factory;
		}

	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class CleanUpApp {

	}

	static final class Handler {

		private final long handlerMillis;

		Handler(long handlerMillis) {
			this.handlerMillis = handlerMillis;
		}

		@JobHandler("${bench.queue}")
		Mono<Void> handle(Integer payload) {
			if (this.handlerMillis <= 0) {
				completed.incrementAndGet();
				return Mono.empty();
			}
			return Mono.delay(Duration.ofMillis(this.handlerMillis)).doOnNext((tick) -> completed.incrementAndGet())
				.then();
		}

	}

}

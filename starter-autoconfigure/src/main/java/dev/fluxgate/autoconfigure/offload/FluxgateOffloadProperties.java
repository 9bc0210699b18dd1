package dev.fluxgate.autoconfigure.offload;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.fluxgate.autoconfigure.validation.InvalidPropertyException;
import dev.fluxgate.autoconfigure.validation.PropertyChecks;
import dev.fluxgate.offload.VirtualThreads;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The bounded executors that take blocking and CPU-heavy work off the event loops.
 */
@ConfigurationProperties("fluxgate.offload")
public class FluxgateOffloadProperties implements InitializingBean {

	private static final int CORES = Runtime.getRuntime().availableProcessors();

	/**
	 * The executor for blocking I/O: imperative controller methods and {@code Offload.blocking(...)}.
	 */
	private final Blocking blocking = new Blocking();

	/**
	 * The executor for computation: {@code Offload.cpu(...)}.
	 */
	private final Cpu cpu = new Cpu();

	/**
	 * Whether to time how long tasks wait in Reactor's shared {@code Schedulers.boundedElastic()} (timer
	 * {@code fluxgate.scheduler.queue.wait}). It queues up to 100 000 tasks per thread, so blocking hidden in a
	 * library shows there as wait long before anything fails.
	 */
	private boolean boundedElasticMetrics = true;

	/**
	 * Once an executor's queue stands (see queue-interval), a new task is refused with 503 while the oldest queued
	 * one has waited longer than this. Without it, under overload every admitted task first waits the whole queue
	 * (seconds behind 100 blocking or 64 CPU tasks) and the queue, not the work, sets the latency.
	 */
	private Duration queueTarget = Duration.ofMillis(25);

	/**
	 * How long an executor's queue must stay non-empty, while its threads turn over twice, before it counts as
	 * standing and queue-target applies, and how long it keeps standing after its last refusal. Long enough that a
	 * burst or a cold start drains first.
	 */
	private Duration queueInterval = Duration.ofMillis(500);

	public Blocking getBlocking() {
		return this.blocking;
	}

	public Cpu getCpu() {
		return this.cpu;
	}

	public boolean isBoundedElasticMetrics() {
		return this.boundedElasticMetrics;
	}

	public void setBoundedElasticMetrics(boolean boundedElasticMetrics) {
		this.boundedElasticMetrics = boundedElasticMetrics;
	}

	public Duration getQueueTarget() {
		return this.queueTarget;
	}

	public void setQueueTarget(Duration queueTarget) {
		this.queueTarget = queueTarget;
	}

	public Duration getQueueInterval() {
		return this.queueInterval;
	}

	public void setQueueInterval(Duration queueInterval) {
		this.queueInterval = queueInterval;
	}

	@Override
	public void afterPropertiesSet() {
		PropertyChecks checks = PropertyChecks.forPrefix("fluxgate.offload");
		checks.positive("queue-target", this.queueTarget);
		checks.positive("queue-interval", this.queueInterval);
		PropertyChecks blockingChecks = PropertyChecks.forPrefix("fluxgate.offload.blocking");
		blockingChecks.between("threads", this.blocking.threads, 1, 10_000);
		blockingChecks.between("queue-capacity", this.blocking.queueCapacity, 0, 1_000_000);
		blockingChecks.positive("keep-alive", this.blocking.keepAlive);
		blockingChecks.positive("retry-after", this.blocking.retryAfter);
		blockingChecks.between("method-share", this.blocking.methodShare, 1, 100);
		if (this.blocking.virtualThreads && !VirtualThreads.available()) {
			throw new InvalidPropertyException("fluxgate.offload.blocking.virtual-threads", true,
					"false on Java " + Runtime.version().feature() + " (virtual threads need Java 21 or later)");
		}
		PropertyChecks cpuChecks = PropertyChecks.forPrefix("fluxgate.offload.cpu");
		cpuChecks.between("threads", this.cpu.threads, 1, 10_000);
		cpuChecks.between("queue-capacity", this.cpu.queueCapacity, 0, 1_000_000);
		cpuChecks.positive("retry-after", this.cpu.retryAfter);
	}

	public static class Blocking {

		/**
		 * The most blocking tasks running at once. Default: 10 × available processors, the thread cap of Reactor's
		 * boundedElastic, without its 100 000-task queue per thread.
		 */
		private int threads = 10 * CORES;

		/**
		 * The most blocking tasks waiting for a thread; beyond it a request gets 503 + Retry-After. A short queue
		 * keeps queueing latency bounded: a deep one turns overload into multi-second waits instead of an answer.
		 */
		private int queueCapacity = 100;

		/**
		 * How long an idle thread is kept (also for the CPU executor). After a burst, threads beyond the steady
		 * load go away instead of holding their stacks and thread-locals.
		 */
		private Duration keepAlive = Duration.ofSeconds(60);

		/**
		 * The Retry-After of the 503 a request gets when the executor is full.
		 */
		private Duration retryAfter = Duration.ofSeconds(1);

		/**
		 * Whether imperative controller methods (non-reactive return types) run on this executor. Off, they run on
		 * the event loop (Boot's behaviour without virtual threads), where one slow call stalls every connection
		 * sharing the loop.
		 */
		private boolean controllers = true;

		/**
		 * The share of the threads, in percent, that one imperative controller method may hold (running or queued
		 * for a thread); further requests to it wait for one of its own to finish, so one slow blocking endpoint
		 * cannot starve every other imperative endpoint. 100 switches the per-method limit off.
		 */
		private int methodShare = 75;

		/**
		 * Controllers (fully qualified class names) or methods ({@code Class#method}) that stay on the event loop,
		 * as with {@code @StayOnEventLoop}. Only for methods that never block.
		 */
		private List<String> exclude = new ArrayList<>();

		/**
		 * Whether to run each task on a virtual thread (Java 21+) instead of a pooled platform thread. The threads
		 * and queue-capacity limits still apply: unlimited virtual threads would move the overload to the
		 * connection pools and the database behind them. Also on when spring.threads.virtual.enabled=true on Java
		 * 21+.
		 */
		private boolean virtualThreads = false;

		public int getThreads() {
			return this.threads;
		}

		public void setThreads(int threads) {
			this.threads = threads;
		}

		public int getQueueCapacity() {
			return this.queueCapacity;
		}

		public void setQueueCapacity(int queueCapacity) {
			this.queueCapacity = queueCapacity;
		}

		public Duration getKeepAlive() {
			return this.keepAlive;
		}

		public void setKeepAlive(Duration keepAlive) {
			this.keepAlive = keepAlive;
		}

		public Duration getRetryAfter() {
			return this.retryAfter;
		}

		public void setRetryAfter(Duration retryAfter) {
			this.retryAfter = retryAfter;
		}

		public boolean isControllers() {
			return this.controllers;
		}

		public void setControllers(boolean controllers) {
			this.controllers = controllers;
		}

		public int getMethodShare() {
			return this.methodShare;
		}

		public void setMethodShare(int methodShare) {
			this.methodShare = methodShare;
		}

		public List<String> getExclude() {
			return this.exclude;
		}

		public void setExclude(List<String> exclude) {
			this.exclude = exclude;
		}

		public boolean isVirtualThreads() {
			return this.virtualThreads;
		}

		public void setVirtualThreads(boolean virtualThreads) {
			this.virtualThreads = virtualThreads;
		}

	}

	public static class Cpu {

		/**
		 * The most computations running at once. Default: the available processors; more threads than cores only
		 * adds context switching and steals CPU from the event loops.
		 */
		private int threads = CORES;

		/**
		 * The most computations waiting for a core; beyond it the caller gets 503 + Retry-After instead of an
		 * ever-growing wait.
		 */
		private int queueCapacity = 64;

		/**
		 * The Retry-After of the 503 a request gets when the executor is full.
		 */
		private Duration retryAfter = Duration.ofSeconds(1);

		public int getThreads() {
			return this.threads;
		}

		public void setThreads(int threads) {
			this.threads = threads;
		}

		public int getQueueCapacity() {
			return this.queueCapacity;
		}

		public void setQueueCapacity(int queueCapacity) {
			this.queueCapacity = queueCapacity;
		}

		public Duration getRetryAfter() {
			return this.retryAfter;
		}

		public void setRetryAfter(Duration retryAfter) {
			this.retryAfter = retryAfter;
		}

	}

}

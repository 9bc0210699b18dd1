package dev.fluxgate.autoconfigure.jobs;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import dev.fluxgate.gate.GateRegistry;
import dev.fluxgate.jobs.JobCodec;
import dev.fluxgate.jobs.JobWorker;
import dev.fluxgate.jobs.Jobs;
import dev.fluxgate.offload.Offload;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;

/**
 * Starts a worker for each {@link dev.fluxgate.jobs.JobHandler} queue once the application is up, and stops them on
 * graceful shutdown after the web server stopped taking requests (a lower phase stops later) and before the Redis
 * connection factory and the HTTP client resources (phase 0) go away: stop reading, let running jobs finish within
 * {@code spring.lifecycle.timeout-per-shutdown-phase}, hand the rest back to the queue.
 */
final class JobWorkersLifecycle implements SmartLifecycle {

	/** Between the web server ({@code DEFAULT_PHASE - 2048}) and background tasks ({@code DEFAULT_PHASE - 4096}). */
	static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 3072;

	private static final Logger logger = LoggerFactory.getLogger(JobWorkersLifecycle.class);

	private final Jobs jobs;

	private final JobHandlerMethods handlers;

	private final JobCodec codec;

	private final Offload offload;

	private final GateRegistry gates;

	private final Duration shutdownTimeout;

	private final String consumer;

	private final List<JobWorker> workers = new ArrayList<>();

	private volatile boolean running;

	JobWorkersLifecycle(Jobs jobs, JobHandlerMethods handlers, JobCodec codec, Offload offload, GateRegistry gates,
			Duration shutdownTimeout, String applicationName) {
		this.jobs = jobs;
		this.handlers = handlers;
		this.codec = codec;
		this.offload = offload;
		this.gates = gates;
		this.shutdownTimeout = shutdownTimeout;
		this.consumer = consumerName(applicationName);
	}

	/** Unique per instance: the host, the process and a random part (a restarted process is a new consumer). */
	private static String consumerName(String applicationName) {
		String host = System.getenv("HOSTNAME");
		if (host == null || host.isBlank()) {
			host = "host";
		}
		return applicationName + ":" + host + ":" + ProcessHandle.current().pid() + ":"
				+ Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0x100000));
	}

	@Override
	public void start() {
		if (this.workers.isEmpty()) {
			for (JobHandlerMethods.HandlerMethod handler : this.handlers.methods()) {
				JobWorker worker = this.jobs.worker(handler.queue(), handler.invoker(this.codec, this.offload),
						this.consumer);
				this.workers.add(this.gates.register(worker));
			}
			if (!this.workers.isEmpty()) {
				logger.info("Jobs: handling queue(s) {} as consumer {}",
						this.workers.stream().map(JobWorker::name).toList(), this.consumer);
			}
		}
		this.workers.forEach(JobWorker::start);
		this.running = true;
	}

	@Override
	public void stop() {
		this.running = false;
		// Every queue drains at the same time, within one timeout.
		List<Thread> stopping = new ArrayList<>();
		for (JobWorker worker : this.workers) {
			Thread thread = new Thread(() -> worker.stop(this.shutdownTimeout), "fluxgate-jobs-stop-" + worker.name());
			thread.start();
			stopping.add(thread);
		}
		for (Thread thread : stopping) {
			try {
				thread.join();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	String consumer() {
		return this.consumer;
	}

}

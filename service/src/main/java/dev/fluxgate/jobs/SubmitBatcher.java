package dev.fluxgate.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * Coalesces the submits of one queue into few script calls. A submit goes out at once while fewer than
 * {@value #MAX_IN_FLIGHT} calls are in flight, so an idle queue adds no latency; what arrives meanwhile rides in the
 * next call, up to {@value #MAX_BATCH} jobs. Under load one round trip then stores hundreds of jobs: with one command
 * per job the submitting JVM, not Redis, was the bottleneck (Lettuce's per-command cost, a flush per command).
 */
final class SubmitBatcher {

	static final int MAX_BATCH = 256;

	/** Two, so Redis runs one call while the next is being written. */
	static final int MAX_IN_FLIGHT = 2;

	private final JobStore store;

	private final JobKeys keys;

	private final long maxLength;

	private final Queue<Pending> pending = new ConcurrentLinkedQueue<>();

	private final AtomicInteger inFlight = new AtomicInteger();

	SubmitBatcher(JobStore store, JobKeys keys, long maxLength) {
		this.store = store;
		this.keys = keys;
		this.maxLength = maxLength;
	}

	Mono<JobStore.SubmitResult> submit(JobStore.NewJob job) {
		return Mono.create((sink) -> {
			this.pending.add(new Pending(job, sink));
			drain();
		});
	}

	/**
	 * Sends what waits while a call may start. A submit added after a completing call looked at the queue finds the
	 * count already lowered, so nothing is left waiting without a call to carry it.
	 */
	private void drain() {
		while (!this.pending.isEmpty()) {
			int current = this.inFlight.get();
			if (current >= MAX_IN_FLIGHT) {
				return;
			}
			if (!this.inFlight.compareAndSet(current, current + 1)) {
				continue;
			}
			List<Pending> batch = new ArrayList<>(Math.min(MAX_BATCH, 16));
			Pending next;
			while (batch.size() < MAX_BATCH && (next = this.pending.poll()) != null) {
				batch.add(next);
			}
			if (batch.isEmpty()) {
				this.inFlight.decrementAndGet();
				continue;
			}
			send(batch);
		}
	}

	private void send(List<Pending> batch) {
		List<JobStore.NewJob> jobs = new ArrayList<>(batch.size());
		for (Pending submit : batch) {
			jobs.add(submit.job());
		}
		this.store.submit(this.keys, jobs, this.maxLength).subscribe((results) -> {
			for (int i = 0; i < batch.size(); i++) {
				if (i < results.size()) {
					batch.get(i).sink().success(results.get(i));
				}
				else {
					batch.get(i).sink().error(new IllegalStateException("Redis answered " + results.size()
							+ " of " + batch.size() + " submits of queue '" + this.keys.queue() + "'"));
				}
			}
		}, (ex) -> {
			for (Pending submit : batch) {
				submit.sink().error(ex);
			}
			finished();
		}, this::finished);
	}

	private void finished() {
		this.inFlight.decrementAndGet();
		drain();
	}

	private record Pending(JobStore.NewJob job, MonoSink<JobStore.SubmitResult> sink) {

	}

}

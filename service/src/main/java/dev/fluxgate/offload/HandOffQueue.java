package dev.fluxgate.offload;

import java.util.Collection;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

/**
 * The work queue of a {@link BoundedExecutor}: bounded, and lock-free on the submitting side. Event loops submit
 * offloaded work: a queue with a lock (an {@code ArrayBlockingQueue} shares one between producers and the pool's
 * workers) parks a loop whenever a worker holds it, and on a busy machine the holder can be descheduled for
 * milliseconds (BlockHound reports it as a blocking call). Here offer, peek, remove and size never lock; only the
 * pool's idle workers park, in {@link #take()} and {@link #poll(long, TimeUnit)}.
 * <p>
 * The bound counts the tasks offered and not yet taken. A full queue, or one of capacity zero, still hands a task
 * straight to a worker that is waiting for one, as a {@code SynchronousQueue} would. Only the operations a
 * {@code ThreadPoolExecutor} and {@link BoundedExecutor} use keep the count (not the iterator's {@code remove}, which
 * only {@code ThreadPoolExecutor.purge()} calls).
 */
final class HandOffQueue extends LinkedTransferQueue<Runnable> {

	private final int capacity;

	/** Offered and not yet taken, including a task handed to a waiting worker until its take returns. */
	private final AtomicInteger count = new AtomicInteger();

	HandOffQueue(int capacity) {
		this.capacity = capacity;
	}

	@Override
	public boolean offer(Runnable task) {
		if (this.count.incrementAndGet() <= this.capacity) {
			return super.offer(task);
		}
		if (tryTransfer(task)) {
			return true;
		}
		this.count.decrementAndGet();
		return false;
	}

	@Override
	public Runnable take() throws InterruptedException {
		return taken(super.take());
	}

	@Override
	public @Nullable Runnable poll(long timeout, TimeUnit unit) throws InterruptedException {
		return taken(super.poll(timeout, unit));
	}

	@Override
	public @Nullable Runnable poll() {
		return taken(super.poll());
	}

	@Override
	public boolean remove(Object task) {
		if (super.remove(task)) {
			this.count.decrementAndGet();
			return true;
		}
		return false;
	}

	@Override
	public int drainTo(Collection<? super Runnable> sink) {
		return drainTo(sink, Integer.MAX_VALUE);
	}

	@Override
	public int drainTo(Collection<? super Runnable> sink, int maxElements) {
		// through this class's poll, whatever the JDK's own drainTo calls
		int drained = 0;
		for (Runnable task; drained < maxElements && (task = poll()) != null; drained++) {
			sink.add(task);
		}
		return drained;
	}

	@Override
	public int size() {
		return Math.max(0, this.count.get());
	}

	private <T> T taken(T task) {
		if (task != null) {
			this.count.decrementAndGet();
		}
		return task;
	}

}

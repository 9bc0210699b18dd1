package dev.fluxgate.eventloop;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Known momentary locks inside the libraries Fluxgate wires in, which BlockHound would otherwise report as blocking
 * calls on event loops. Found by BlockHound's own {@code ServiceLoader}, so it applies to Fluxgate's blocking
 * detection and to applications that install BlockHound themselves. Each allowance is a short lock that guards
 * in-memory state, never I/O. Any other blocking call in these libraries is still reported.
 */
public class FluxgateBlockHoundIntegration implements BlockHoundIntegration {

	@Override
	public void applyTo(BlockHound.Builder builder) {
		// Lettuce's writer count around every command write: a lock held only while an exclusive operation
		// (reconnect, close) swaps the channel; contended writers park for that instant (redis/lettuce#2510).
		builder.allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", "incrementWriters");
		builder.allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", "decrementWriters");
		// Netty 4.2's default buffer allocator: under contention a thread grows the magazine array and frees the
		// replaced magazines under a StampedLock that guards in-memory state only; Netty's own integration does not
		// list it yet (line/armeria#6344). Seen on parallel-1 encoding a response body (RateLimitBlockHoundTests).
		builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup", "tryExpandMagazines");
		builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$Magazine", "free");
		// The JDK's ThreadPoolExecutor (under Fluxgate's offload executors) starting a worker: its worker-set lock is
		// held to add one worker to a set (the thread starts after it is released), and contended only by another
		// start or an idle worker's exit. Reactor's own integration allows that exit (processWorkerExit); this is the
		// other side of the same lock, taken on a loop when it offloads a task while a thread is (re)started. The
		// executors' queue itself takes no lock on the submitting side (offload.HandOffQueue).
		builder.allowBlockingCallsInside("java.util.concurrent.ThreadPoolExecutor", "addWorker");
		// Resilience4j's circuit-breaker metrics: a lock around an in-memory ring of call outcomes, held only to
		// add one outcome or read the aggregate; contended event loops park for that instant.
		for (String window : new String[] { "FixedSizeSlidingWindowMetrics", "SlidingTimeWindowMetrics" }) {
			builder.allowBlockingCallsInside("io.github.resilience4j.core.metrics." + window, "record");
			builder.allowBlockingCallsInside("io.github.resilience4j.core.metrics." + window, "getSnapshot");
		}
	}

}

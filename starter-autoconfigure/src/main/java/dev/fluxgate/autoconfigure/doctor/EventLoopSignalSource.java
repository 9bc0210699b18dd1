package dev.fluxgate.autoconfigure.doctor;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Where event-loop measurements come from. {@link MeterSignals} reads them from meters by name; an event-loop probe
 * can implement this directly to give the diagnosis exact values (for example a stall that is still going on, which
 * a timer only records once it ends).
 */
interface EventLoopSignalSource {

	/**
	 * Every measured event loop.
	 * @return lag, pending tasks and stalls per loop
	 */
	List<EventLoopSignal> eventLoops();

	/**
	 * How long every event loop has been unresponsive, right now: zero as soon as any loop runs tasks.
	 * @return the duration, or empty when this source cannot tell
	 */
	default Optional<Duration> totalStall() {
		return Optional.empty();
	}

}

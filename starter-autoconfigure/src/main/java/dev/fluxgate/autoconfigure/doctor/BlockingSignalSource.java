package dev.fluxgate.autoconfigure.doctor;

import java.util.List;

/**
 * Where detections of blocking calls on non-blocking threads come from (a BlockHound callback in warn mode, for
 * example). {@link MeterSignals} reads them from the {@code fluxgate.blocking.calls} counter.
 */
@FunctionalInterface
interface BlockingSignalSource {

	/**
	 * Detections so far.
	 * @return one entry per frame
	 */
	List<BlockingSignal> detections();

}

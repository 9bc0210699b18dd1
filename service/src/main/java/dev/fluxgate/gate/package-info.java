/**
 * What every gate reports (admitted, rejected by reason, wait, limit, in flight, queued) and the registry that
 * publishes it as {@code fluxgate.gate.*} meters, so the doctor reads any gate without knowing how it is built; and
 * {@link dev.fluxgate.gate.FifoPermits}, the permit queue the gates that make callers wait in order are built on.
 */
@NullMarked
package dev.fluxgate.gate;

import org.jspecify.annotations.NullMarked;

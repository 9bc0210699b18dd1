/**
 * Concurrency limits, fixed or learned from latency (a gradient limit), and the standing-queue rule that bounds the
 * wait in a queue that has stopped draining.
 */
@NullMarked
package dev.fluxgate.limit;

import org.jspecify.annotations.NullMarked;

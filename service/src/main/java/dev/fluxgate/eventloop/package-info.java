/**
 * Keeping event loops free: the lag probe and stall watchdog, BlockHound-based blocking-call detection, and the
 * {@link dev.fluxgate.eventloop.StrictBlockingDetection} JUnit 5 extension for applications' tests.
 */
@NullMarked
package dev.fluxgate.eventloop;

import org.jspecify.annotations.NullMarked;

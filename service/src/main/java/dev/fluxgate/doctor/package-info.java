/**
 * The concurrency doctor's runtime: signals sampled from pools, gates, event loops and meters, the diagnosis rules
 * (pure functions over recent samples, ordered the way an expert troubleshoots), sustained saturation and the
 * capacity plan.
 */
@NullMarked
package dev.fluxgate.doctor;

import org.jspecify.annotations.NullMarked;

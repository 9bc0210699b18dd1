/**
 * The concurrency doctor and its auto-configuration: signals sampled from pools, gates, event loops and meters, the
 * diagnosis rules (pure functions over recent samples, ordered the way an expert troubleshoots), sustained
 * saturation, the capacity plan and its check against the database, and {@code /actuator/concurrency}. Only the
 * endpoint's response types, the doctor the health indicator asks, and the properties are public.
 */
@NullMarked
package dev.fluxgate.autoconfigure.doctor;

import org.jspecify.annotations.NullMarked;

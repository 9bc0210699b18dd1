/**
 * Auto-configuration of the concurrency doctor: the sampler, the capacity plan check against the database, and
 * {@code /actuator/concurrency}.
 */
@NullMarked
package dev.fluxgate.autoconfigure.doctor;

import org.jspecify.annotations.NullMarked;

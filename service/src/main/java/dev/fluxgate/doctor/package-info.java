/**
 * The concurrency doctor's extension point: a {@link dev.fluxgate.doctor.FindingSource} contributes
 * {@link dev.fluxgate.doctor.Finding}s of its own (the durable jobs do) to {@code /actuator/concurrency}. The doctor
 * itself (sampling, rules, capacity plan) lives beside its auto-configuration, in
 * {@code dev.fluxgate.autoconfigure.doctor}, and is not public.
 */
@NullMarked
package dev.fluxgate.doctor;

import org.jspecify.annotations.NullMarked;

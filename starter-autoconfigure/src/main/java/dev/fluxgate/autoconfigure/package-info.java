/**
 * What every Fluxgate auto-configuration builds on: the {@code fluxgate.enabled} switch, the gate registry, the
 * renderer of the overload contract and the concurrency settings report.
 */
@NullMarked
package dev.fluxgate.autoconfigure;

import org.jspecify.annotations.NullMarked;

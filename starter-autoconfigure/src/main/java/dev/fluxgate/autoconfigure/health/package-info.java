/**
 * Health integration: the {@code concurrency} indicator, its place in the readiness group, and time bounds on Boot's
 * {@code r2dbc} and {@code redis} checks.
 */
@NullMarked
package dev.fluxgate.autoconfigure.health;

import org.jspecify.annotations.NullMarked;

/**
 * R2DBC limits Boot has no property for ({@code fluxgate.r2dbc.*}): a statement timeout, a bounded pending-acquire
 * queue and an acquire timer for the pool Boot builds, and startup checks of the pool's sizes and timeouts.
 */
@NullMarked
package dev.fluxgate.autoconfigure.r2dbc;

import org.jspecify.annotations.NullMarked;

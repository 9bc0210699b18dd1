/**
 * Auto-configuration of bounded background tasks ({@code fluxgate.background.*}), drained on graceful shutdown.
 */
@NullMarked
package dev.fluxgate.autoconfigure.background;

import org.jspecify.annotations.NullMarked;

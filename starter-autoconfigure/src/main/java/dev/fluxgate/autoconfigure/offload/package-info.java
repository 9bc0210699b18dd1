/**
 * Auto-configuration of the bounded executors for blocking and CPU-heavy work ({@code fluxgate.offload.*}) and of
 * imperative controller methods moved off the event loop.
 */
@NullMarked
package dev.fluxgate.autoconfigure.offload;

import org.jspecify.annotations.NullMarked;

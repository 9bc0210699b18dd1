/**
 * Auto-configuration of the server edge ({@code fluxgate.server.*}): Reactor Netty limits Boot has no property for, the
 * request deadline and load shedding.
 */
@NullMarked
package dev.fluxgate.autoconfigure.server;

import org.jspecify.annotations.NullMarked;

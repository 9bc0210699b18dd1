/**
 * What every gate reports (admitted, rejected by reason, wait, limit, in flight, queued) and the registry that
 * publishes it as {@code fluxgate.gate.*} meters, so the doctor reads any gate without knowing how it is built.
 */
@NullMarked
package dev.fluxgate.gate;

import org.jspecify.annotations.NullMarked;

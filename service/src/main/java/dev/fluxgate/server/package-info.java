/**
 * Guards at the server edge: load shedding by a concurrency limit, the requests every guard leaves alone, the bound on
 * reading a request body, and the one order of every Fluxgate server filter.
 */
@NullMarked
package dev.fluxgate.server;

import org.jspecify.annotations.NullMarked;

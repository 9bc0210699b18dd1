/**
 * Guards at the server edge: load shedding by a concurrency limit, the requests every guard leaves alone, the bounds on
 * an HTTP/1.1 connection's idle time and on reading a request body, and the one order of every Fluxgate server filter.
 */
@NullMarked
package dev.fluxgate.server;

import org.jspecify.annotations.NullMarked;

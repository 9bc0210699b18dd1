/**
 * The dedicated, bounded Reactor Netty {@code ConnectionProvider} behind the auto-configured {@code WebClient}.
 */
@NullMarked
package dev.fluxgate.httpclient;

import org.jspecify.annotations.NullMarked;

/**
 * Auto-configuration of the WebClient connector on Fluxgate's bounded connection pool
 * ({@code fluxgate.http-client.*}).
 */
@NullMarked
package dev.fluxgate.autoconfigure.httpclient;

import org.jspecify.annotations.NullMarked;

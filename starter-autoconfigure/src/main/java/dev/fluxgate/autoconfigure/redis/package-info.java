/**
 * Lettuce client options and client resources for a bounded, fail-fast Redis client ({@code fluxgate.redis.*}), and
 * whether the application uses Redis at all.
 */
@NullMarked
package dev.fluxgate.autoconfigure.redis;

import org.jspecify.annotations.NullMarked;

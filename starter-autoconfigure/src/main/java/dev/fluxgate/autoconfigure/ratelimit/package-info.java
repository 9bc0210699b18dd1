/**
 * Auto-configuration of request rate limiting ({@code fluxgate.rate-limit.*}), with buckets kept locally or in Redis.
 */
@NullMarked
package dev.fluxgate.autoconfigure.ratelimit;

import org.jspecify.annotations.NullMarked;

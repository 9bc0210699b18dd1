/**
 * Request rate limiting: token-bucket policies matched by path and keyed per client, kept in this JVM or shared through
 * Redis, answering 429 with {@code Retry-After} and the IETF {@code RateLimit} header fields.
 */
@NullMarked
package dev.fluxgate.ratelimit;

import org.jspecify.annotations.NullMarked;

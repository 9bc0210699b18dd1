/**
 * Redis plumbing shared by Fluxgate's Redis features (the rate limiter's backend and durable jobs):
 * {@link dev.fluxgate.redis.RedisScripts} runs Lua scripts without taking a lock on an event loop.
 */
@NullMarked
package dev.fluxgate.redis;

import org.jspecify.annotations.NullMarked;

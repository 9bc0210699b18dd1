/**
 * Bounded fire-and-forget work that runs after (or beside) a response, in this process: at most so many tasks
 * run and wait, a task beyond that is refused with 503 instead of dropped, and what is queued drains on shutdown.
 */
@NullMarked
package dev.fluxgate.background;

import org.jspecify.annotations.NullMarked;

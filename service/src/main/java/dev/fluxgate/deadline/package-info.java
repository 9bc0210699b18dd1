/**
 * The request deadline: the point by which a request must be answered, set from the configured timeout and the
 * caller's remaining budget, carried in the Reactor context for client calls to cap their timeouts by, and enforced
 * with a complete 504 that never overwrites a response already started.
 */
@NullMarked
package dev.fluxgate.deadline;

import org.jspecify.annotations.NullMarked;

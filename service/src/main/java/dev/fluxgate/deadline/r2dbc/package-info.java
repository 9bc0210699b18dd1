/**
 * The request deadline for R2DBC: a connection factory that gives every statement the smaller of the remaining
 * deadline and the configured statement timeout, and answers 504 for a statement cut off by the deadline.
 */
@NullMarked
package dev.fluxgate.deadline.r2dbc;

import org.jspecify.annotations.NullMarked;

/**
 * The request deadline for WebClient: an exchange filter that caps each call's timeout by the remaining deadline and
 * forwards the remaining budget to the callee.
 */
@NullMarked
package dev.fluxgate.deadline.webclient;

import org.jspecify.annotations.NullMarked;

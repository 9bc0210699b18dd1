/**
 * Startup validation of Fluxgate's properties: an invalid value fails startup naming the property, the value and the
 * accepted range.
 */
@NullMarked
package dev.fluxgate.autoconfigure.validation;

import org.jspecify.annotations.NullMarked;

/**
 * Fluxgate's defaults for Boot-owned properties (each with the failure it prevents), the startup settings report, and
 * the warnings about settings that cannot do what they look like.
 */
@NullMarked
package dev.fluxgate.autoconfigure.defaults;

import org.jspecify.annotations.NullMarked;

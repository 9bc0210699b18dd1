/**
 * JMH benchmark of Fluxgate's per-request cost (bench/README.md).
 */
package dev.fluxgate.bench.jmh;

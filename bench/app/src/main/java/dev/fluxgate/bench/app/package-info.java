/**
 * A trivial WebFlux app for the overhead benchmarks (bench/README.md).
 */
package dev.fluxgate.bench.app;

/**
 * Benchmark only: Netflix concurrency-limits' algorithms behind Fluxgate's server shedder (bench/README.md).
 */
package dev.fluxgate.bench.limits;

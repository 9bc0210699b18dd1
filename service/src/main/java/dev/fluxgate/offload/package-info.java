/**
 * Moving blocking and CPU-heavy work off the event loop onto bounded executors that answer 503 instead of queueing
 * without end: the executor, its per-controller-method shares, the WebFlux wiring for imperative controllers, and the
 * queue-wait measurement of Reactor's shared {@code boundedElastic} scheduler.
 */
@NullMarked
package dev.fluxgate.offload;

import org.jspecify.annotations.NullMarked;

package dev.fluxgate.doctor;

/**
 * A count of timeouts or retries from one source, since start.
 *
 * @param kind {@code timeout} or {@code retry}
 * @param source what timed out or retried, such as {@code r2dbc-acquire} or {@code server-deadline}
 * @param meter the meter (with its distinguishing tag) the count comes from, quoted in evidence
 * @param count the total so far
 * @param property the property that governs it, named in advice
 */
public record TimeoutSignal(String kind, String source, String meter, long count, String property) {

}

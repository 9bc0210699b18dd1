package dev.fluxgate.autoconfigure.doctor;

/**
 * A count of timeouts, retries or unreachable dependencies from one source, since start.
 *
 * @param kind {@code timeout}, {@code retry} or {@code unavailable}
 * @param source what timed out, retried or could not be reached, such as {@code r2dbc-acquire},
 * {@code server-deadline}, {@code caller-deadline} or a dependency failure's reason ({@code db-statement-timeout},
 * {@code db-unavailable}, ...)
 * @param meter the meter (with its distinguishing tag) the count comes from, quoted in evidence
 * @param count the total so far
 * @param property the property that governs it, named in advice
 */
record TimeoutSignal(String kind, String source, String meter, long count, String property) {

}

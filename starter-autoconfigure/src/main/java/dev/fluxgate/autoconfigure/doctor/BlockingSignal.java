package dev.fluxgate.autoconfigure.doctor;

/**
 * Blocking calls detected on non-blocking threads.
 *
 * @param frame the blocking method or the application frame that called it, such as
 * {@code java.lang.Thread.sleep}
 * @param count detections since start
 */
record BlockingSignal(String frame, long count) {

}

package dev.fluxgate.jobs;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * How to submit a job: a delay before it may run, and an idempotency key. Immutable; start from {@link #none()}.
 * Public: callers of {@link Jobs#submit(String, Object, SubmitOptions)} build it.
 *
 * <pre class="code">
 * jobs.submit("welcome-mail", signup, SubmitOptions.none().delay(Duration.ofMinutes(5)).idempotencyKey("welcome:" + userId))
 * </pre>
 */
public final class SubmitOptions {

	private static final SubmitOptions NONE = new SubmitOptions(Duration.ZERO, null, null);

	private final Duration delay;

	private final @Nullable String idempotencyKey;

	private final @Nullable Duration idempotencyWindow;

	private SubmitOptions(Duration delay, @Nullable String idempotencyKey, @Nullable Duration idempotencyWindow) {
		this.delay = delay;
		this.idempotencyKey = idempotencyKey;
		this.idempotencyWindow = idempotencyWindow;
	}

	/**
	 * No delay, no idempotency key.
	 * @return the options
	 */
	public static SubmitOptions none() {
		return NONE;
	}

	/**
	 * Run no earlier than this long after the submit (Redis server time).
	 * @param delay the delay; zero or negative for none
	 * @return new options
	 */
	public SubmitOptions delay(Duration delay) {
		return new SubmitOptions(delay.isNegative() ? Duration.ZERO : delay, this.idempotencyKey,
				this.idempotencyWindow);
	}

	/**
	 * A second submit with the same key to the same queue within the idempotency window returns the first job's id
	 * and stores nothing.
	 * @param key the key, at most 200 characters
	 * @return new options
	 */
	public SubmitOptions idempotencyKey(String key) {
		if (key.isEmpty() || key.length() > 200) {
			throw new IllegalArgumentException("An idempotency key has 1 to 200 characters, not " + key.length());
		}
		return new SubmitOptions(this.delay, key, this.idempotencyWindow);
	}

	/**
	 * How long the idempotency key is remembered, instead of {@code fluxgate.jobs.idempotency-window}.
	 * @param window a positive duration
	 * @return new options
	 */
	public SubmitOptions idempotencyWindow(Duration window) {
		if (window.isZero() || window.isNegative()) {
			throw new IllegalArgumentException("An idempotency window is positive, not " + window);
		}
		return new SubmitOptions(this.delay, this.idempotencyKey, window);
	}

	public Duration getDelay() {
		return this.delay;
	}

	public @Nullable String getIdempotencyKey() {
		return this.idempotencyKey;
	}

	public @Nullable Duration getIdempotencyWindow() {
		return this.idempotencyWindow;
	}

}

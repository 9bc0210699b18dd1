package dev.fluxgate.deadline;

import java.time.Duration;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * Settings of the {@link RequestDeadlineWebFilter}.
 *
 * @param requestTimeout the longest time a request may take; {@code null} for none (then only an inbound deadline
 * header sets one)
 * @param header the inbound header carrying the caller's remaining budget in milliseconds; {@code null} to ignore
 * callers' deadlines
 * @param acceptEnvoyHeader whether Envoy's {@code x-envoy-expected-rq-timeout-ms} also narrows the deadline
 * @param excludedPaths path patterns the deadline does not apply to
 */
public record DeadlineSettings(@Nullable Duration requestTimeout, @Nullable String header, boolean acceptEnvoyHeader,
		List<String> excludedPaths) {

	public DeadlineSettings {
		excludedPaths = List.copyOf(excludedPaths);
	}

}

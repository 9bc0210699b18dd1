package dev.fluxgate.autoconfigure.doctor;

import reactor.core.publisher.Mono;

/**
 * A section of {@code /actuator/concurrency} contributed by a feature that has state of its own to show, such as the
 * job queues. Public: other auto-configurations implement it.
 */
public interface ConcurrencySection {

	/**
	 * The section's key in the response.
	 * @return the key
	 */
	String name();

	/**
	 * The section's content, bounded in time by the implementation.
	 * @return the content; empty to leave the section out
	 */
	Mono<Object> content();

}

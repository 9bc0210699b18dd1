package dev.fluxgate.jobs;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The Redis keys of one queue. They share the hash tag {@code {fluxgate:jobs:<queue>}}, so every script of a queue
 * runs on one Redis Cluster node.
 *
 * @param queue the queue
 * @param stream ready and running jobs
 * @param delayed delayed jobs and retries, scored by due time
 * @param dead dead letters
 */
record JobKeys(String queue, String stream, String delayed, String dead) {

	/** The consumer group every instance of every application reads a queue's stream with. */
	static final String GROUP = "fluxgate";

	private static final Pattern QUEUE_NAME = Pattern.compile("[A-Za-z0-9._:-]{1,100}");

	static JobKeys of(String queue) {
		checkQueueName(queue);
		String tag = "{fluxgate:jobs:" + queue + "}";
		return new JobKeys(queue, tag + ":stream", tag + ":delayed", tag + ":dead");
	}

	static void checkQueueName(String queue) {
		if (!QUEUE_NAME.matcher(queue).matches()) {
			throw new IllegalArgumentException("A job queue name has 1 to 100 letters, digits, '.', '_', ':' or '-': '"
					+ queue + "'");
		}
	}

	String idempotency(String key) {
		return "{fluxgate:jobs:" + this.queue + "}:idem:" + key;
	}

	List<String> all() {
		return List.of(this.stream, this.delayed, this.dead);
	}

}

package dev.fluxgate.jobs;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import dev.fluxgate.redis.RedisScripts;
import dev.fluxgate.redis.RedisScripts.Script;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.data.redis.connection.ReactiveRedisConnection;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.connection.stream.ByteBufferRecord;
import org.springframework.data.redis.connection.stream.Consumer;
import org.springframework.data.redis.connection.stream.ReadOffset;
import org.springframework.data.redis.connection.stream.StreamOffset;
import org.springframework.data.redis.connection.stream.StreamReadOptions;

/**
 * Every Redis command of the jobs engine. Each change of a job's state is one Lua script over the keys of one queue
 * (one hash tag, so one Cluster slot), so a job is never both acknowledged and lost, nor rescheduled twice. Times are
 * the Redis server's ({@code TIME}), so instances with skewed clocks agree on when a delayed job is due.
 */
final class JobStore {

	private static final String NOW = """
			local t = redis.call('TIME')
			local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
			""";

	/**
	 * Stores a batch of submits in order. ARGV[1] is the queue's max length, then five per job: id, payload, delay in
	 * ms, index of its idempotency key in KEYS (0 for none), idempotency window in ms. Returns two per job: {1, id}
	 * stored, {0, first id} duplicate idempotency key, {-1, ''} queue full. A key repeated within the batch finds the
	 * first job's id, as it would across calls.
	 */
	private static final Script SUBMIT = RedisScripts.script(NOW + """
			local max = tonumber(ARGV[1])
			local size = redis.call('XLEN', KEYS[1]) + redis.call('ZCARD', KEYS[2])
			local out = {}
			for i = 2, #ARGV, 5 do
			  local id, payload, delay, key = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
			  local first = false
			  if key > 0 then first = redis.call('GET', KEYS[key]) end
			  if first then
			    out[#out + 1] = 0; out[#out + 1] = first
			  elseif size >= max then
			    out[#out + 1] = -1; out[#out + 1] = ''
			  else
			    if key > 0 then redis.call('SET', KEYS[key], id, 'PX', ARGV[i + 4]) end
			    if delay > 0 then
			      redis.call('ZADD', KEYS[2], now + delay, cjson.encode({id, payload, '0', tostring(now)}))
			    else
			      redis.call('XADD', KEYS[1], '*', 'id', id, 'payload', payload, 'attempts', '0', 'enqueued', tostring(now))
			    end
			    size = size + 1
			    out[#out + 1] = 1; out[#out + 1] = id
			  end
			end
			return out
			""");

	/** Moves due jobs into the stream; returns {moved, ms until the next is due or -1}. */
	private static final Script PROMOTE = RedisScripts.script(NOW + """
			local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
			for _, member in ipairs(due) do
			  local job = cjson.decode(member)
			  redis.call('XADD', KEYS[1], '*', 'id', job[1], 'payload', job[2], 'attempts', job[3], 'enqueued', job[4])
			  redis.call('ZREM', KEYS[2], member)
			end
			local next = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
			local wait = -1
			if next[2] then wait = math.max(0, tonumber(next[2]) - now) end
			return {#due, wait}
			""");

	/** Acknowledges and deletes finished jobs; returns how many were deleted. */
	private static final Script ACK = RedisScripts.script("""
			redis.call('XACK', KEYS[1], ARGV[1], unpack(ARGV, 2))
			return {redis.call('XDEL', KEYS[1], unpack(ARGV, 2))}
			""");

	/**
	 * Ends an attempt that did not succeed: reschedules the job (delay > 0), puts it back at once (0) or dead-letters
	 * it (-1), in the same step as acknowledging it. Returns {0} when the entry was no longer pending (another
	 * consumer took it over and finished it), so nothing is added twice.
	 */
	private static final Script SETTLE = RedisScripts.script(NOW + """
			if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return {0} end
			redis.call('XDEL', KEYS[1], ARGV[2])
			local delay = tonumber(ARGV[8])
			if delay < 0 then
			  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[9], '*', 'id', ARGV[3], 'payload', ARGV[4],
			    'attempts', ARGV[5], 'enqueued', ARGV[6], 'error', ARGV[7], 'failed', tostring(now))
			elseif delay == 0 then
			  redis.call('XADD', KEYS[1], '*', 'id', ARGV[3], 'payload', ARGV[4], 'attempts', ARGV[5], 'enqueued', ARGV[6])
			else
			  redis.call('ZADD', KEYS[2], now + delay, cjson.encode({ARGV[3], ARGV[4], ARGV[5], ARGV[6]}))
			end
			return {1}
			""");

	/**
	 * Takes over jobs whose consumer gave no sign of life for the visibility timeout, and forgets consumers idle for
	 * an hour with nothing pending (each restart of an instance adds one). Returns the jobs flat: entry id, id,
	 * payload, attempts, enqueued, for each.
	 */
	private static final Script RECLAIM = RedisScripts.script("""
			local claimed = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], '0-0', 'COUNT', ARGV[4])
			local out = {}
			for _, entry in ipairs(claimed[2]) do
			  if type(entry) == 'table' and type(entry[2]) == 'table' then
			    local f = {}
			    for i = 1, #entry[2], 2 do f[entry[2][i]] = entry[2][i + 1] end
			    if f['id'] and f['payload'] then
			      table.insert(out, entry[1]); table.insert(out, f['id']); table.insert(out, f['payload'])
			      table.insert(out, f['attempts'] or '0'); table.insert(out, f['enqueued'] or '0')
			    end
			  end
			end
			for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
			  local c = {}
			  for i = 1, #consumer, 2 do c[consumer[i]] = consumer[i + 1] end
			  if c['name'] ~= ARGV[2] and tonumber(c['pending']) == 0 and tonumber(c['idle']) > 3600000 then
			    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], c['name'])
			  end
			end
			return out
			""");

	/** Renews the running jobs of a live consumer (resets their idle time), so nobody takes them over. */
	private static final Script RENEW = RedisScripts.script("""
			return {#redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, unpack(ARGV, 3), 'JUSTID')}
			""");

	/** Creates the consumer group (reading from the start, so jobs submitted before any consumer are not skipped). */
	private static final Script CREATE_GROUP = RedisScripts.script("""
			local ok = pcall(redis.call, 'XGROUP', 'CREATE', KEYS[1], ARGV[1], '0', 'MKSTREAM')
			return {ok and 1 or 0}
			""");

	/** Returns {stream length, pending, delayed, dead, oldest age in ms or -1}. */
	private static final Script STATS = RedisScripts.script(NOW + """
			local pending = 0
			local ok, summary = pcall(redis.call, 'XPENDING', KEYS[1], ARGV[1])
			if ok then pending = summary[1] end
			local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
			local oldest = -1
			if first[1] then oldest = math.max(0, now - tonumber(string.match(first[1][1], '^(%d+)'))) end
			return {redis.call('XLEN', KEYS[1]), pending, redis.call('ZCARD', KEYS[2]), redis.call('XLEN', KEYS[3]), oldest}
			""");

	/** Moves up to ARGV[1] dead letters, oldest first, back into the stream with their attempts reset. */
	private static final Script REPLAY = RedisScripts.script("""
			local dead = redis.call('XRANGE', KEYS[3], '-', '+', 'COUNT', tonumber(ARGV[1]))
			for _, entry in ipairs(dead) do
			  local f = {}
			  for i = 1, #entry[2], 2 do f[entry[2][i]] = entry[2][i + 1] end
			  redis.call('XADD', KEYS[1], '*', 'id', f['id'], 'payload', f['payload'], 'attempts', '0', 'enqueued', f['enqueued'])
			  redis.call('XDEL', KEYS[3], entry[1])
			end
			return {#dead}
			""");

	/** The newest dead letters, flat: id, attempts, failed (epoch ms), error, for each. */
	private static final Script DEAD_LETTERS = RedisScripts.script("""
			local out = {}
			for _, entry in ipairs(redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', tonumber(ARGV[1]))) do
			  local f = {}
			  for i = 1, #entry[2], 2 do f[entry[2][i]] = entry[2][i + 1] end
			  table.insert(out, f['id'] or ''); table.insert(out, f['attempts'] or '0')
			  table.insert(out, f['failed'] or '0'); table.insert(out, f['error'] or '')
			end
			return out
			""");

	private final ReactiveRedisConnectionFactory connectionFactory;

	private final RedisScripts scripts;

	JobStore(ReactiveRedisConnectionFactory connectionFactory) {
		this.connectionFactory = connectionFactory;
		this.scripts = new RedisScripts(connectionFactory);
	}

	/** Release the scripts' connection handle; the factory's shared connection stays open. */
	void close() {
		this.scripts.close();
	}

	/**
	 * Store submits of one queue in one script call (see {@link SubmitBatcher}).
	 * @return their outcomes, in order
	 */
	Mono<List<SubmitResult>> submit(JobKeys keys, List<NewJob> jobs, long maxLength) {
		List<String> scriptKeys = new ArrayList<>(2);
		scriptKeys.add(keys.stream());
		scriptKeys.add(keys.delayed());
		List<String> args = new ArrayList<>(1 + jobs.size() * 5);
		args.add(Long.toString(maxLength));
		for (NewJob job : jobs) {
			int keyIndex = 0;
			if (job.idempotencyKey() != null) {
				scriptKeys.add(keys.idempotency(job.idempotencyKey()));
				keyIndex = scriptKeys.size();
			}
			args.add(job.id());
			args.add(job.payload());
			args.add(Long.toString(job.delay().toMillis()));
			args.add(Integer.toString(keyIndex));
			args.add(Long.toString(job.idempotencyWindow().toMillis()));
		}
		return run(SUBMIT, scriptKeys, args).map((flat) -> {
			List<SubmitResult> results = new ArrayList<>(flat.size() / 2);
			for (int i = 0; i + 1 < flat.size(); i += 2) {
				results.add(new SubmitResult((int) number(flat.get(i)), String.valueOf(flat.get(i + 1))));
			}
			return results;
		});
	}

	/**
	 * A job to store.
	 * @param id its id
	 * @param payload the encoded payload
	 * @param delay run no earlier than this after the submit
	 * @param idempotencyKey its idempotency key, if any
	 * @param idempotencyWindow how long the key is remembered
	 */
	record NewJob(String id, String payload, Duration delay, @Nullable String idempotencyKey,
			Duration idempotencyWindow) {

	}

	/**
	 * The outcome of a submit.
	 * @param status 1 stored, 0 duplicate, -1 full
	 * @param id the job's id (the first job's for a duplicate)
	 */
	record SubmitResult(int status, String id) {

	}

	/**
	 * Move due jobs into the stream.
	 * @return how many moved, and how long until the next is due (when one is)
	 */
	Mono<Promoted> promote(JobKeys keys, int limit) {
		return run(PROMOTE, List.of(keys.stream(), keys.delayed()), List.of(Integer.toString(limit)))
			.map((result) -> {
				long wait = number(result.get(1));
				return new Promoted((int) number(result.get(0)), (wait < 0) ? null : Duration.ofMillis(wait));
			});
	}

	record Promoted(int moved, @Nullable Duration nextDueIn) {

	}

	Mono<Void> createGroup(JobKeys keys) {
		return run(CREATE_GROUP, List.of(keys.stream()), List.of(JobKeys.GROUP)).then();
	}

	/**
	 * Read new jobs with a blocking {@code XREADGROUP} on the worker's own connection (a blocking read on the shared
	 * connection would hold up every other command of the application).
	 */
	Flux<JobEntry> read(ReactiveRedisConnection connection, JobKeys keys, String consumer, int count,
			Duration block) {
		return connection.streamCommands()
			.xReadGroup(Consumer.from(JobKeys.GROUP, consumer), StreamReadOptions.empty().count(count).block(block),
					StreamOffset.create(bytes(keys.stream()), ReadOffset.lastConsumed()))
			.map(JobStore::entry);
	}

	/** A connection of the worker's own; opening it may wait, so it is done off the event loops. */
	Mono<ReactiveRedisConnection> openConnection() {
		return Mono.fromCallable(this.connectionFactory::getReactiveConnection).subscribeOn(Schedulers.boundedElastic());
	}

	Mono<Void> ack(JobKeys keys, Collection<String> entryIds) {
		List<String> args = new ArrayList<>(entryIds.size() + 1);
		args.add(JobKeys.GROUP);
		args.addAll(entryIds);
		return run(ACK, List.of(keys.stream()), args).then();
	}

	/**
	 * End an attempt that did not succeed.
	 * @param delay the wait before the next attempt; zero to put it back at once, none to dead-letter it
	 * @return whether this consumer still held the job
	 */
	Mono<Boolean> settle(JobKeys keys, JobEntry entry, int attempts, String error, @Nullable Duration delay,
			long deadMaxLength) {
		return run(SETTLE, keys.all(), List.of(JobKeys.GROUP, entry.entryId(), entry.id(), entry.payload(),
				Integer.toString(attempts), Long.toString(entry.enqueuedMillis()), error,
				Long.toString((delay != null) ? Math.max(0, delay.toMillis()) : -1), Long.toString(deadMaxLength)))
			.map((result) -> number(result.get(0)) == 1);
	}

	Flux<JobEntry> reclaim(JobKeys keys, String consumer, Duration minIdle, int count) {
		return run(RECLAIM, List.of(keys.stream()),
				List.of(JobKeys.GROUP, consumer, Long.toString(minIdle.toMillis()), Integer.toString(count)))
			.flatMapIterable((flat) -> {
				List<JobEntry> entries = new ArrayList<>(flat.size() / 5);
				for (int i = 0; i + 4 < flat.size(); i += 5) {
					entries.add(new JobEntry(String.valueOf(flat.get(i)), String.valueOf(flat.get(i + 1)),
							String.valueOf(flat.get(i + 2)), (int) number(flat.get(i + 3)), number(flat.get(i + 4))));
				}
				return entries;
			});
	}

	Mono<Void> renew(JobKeys keys, String consumer, Collection<String> entryIds) {
		List<String> args = new ArrayList<>(entryIds.size() + 2);
		args.add(JobKeys.GROUP);
		args.add(consumer);
		args.addAll(entryIds);
		return run(RENEW, List.of(keys.stream()), args).then();
	}

	Mono<JobQueueStats> stats(JobKeys keys) {
		return run(STATS, keys.all(), List.of(JobKeys.GROUP)).map((result) -> {
			long length = number(result.get(0));
			long pending = number(result.get(1));
			long oldest = number(result.get(4));
			return new JobQueueStats(keys.queue(), Math.max(0, length - pending), pending, number(result.get(2)),
					number(result.get(3)), (oldest < 0) ? null : Duration.ofMillis(oldest));
		});
	}

	Mono<Integer> replay(JobKeys keys, int max) {
		return run(REPLAY, keys.all(), List.of(Integer.toString(max))).map((result) -> (int) number(result.get(0)));
	}

	Mono<List<DeadLetter>> deadLetters(JobKeys keys, int max) {
		return run(DEAD_LETTERS, List.of(keys.dead()), List.of(Integer.toString(max))).map((flat) -> {
			List<DeadLetter> letters = new ArrayList<>(flat.size() / 4);
			for (int i = 0; i + 3 < flat.size(); i += 4) {
				letters.add(new DeadLetter(String.valueOf(flat.get(i)), (int) number(flat.get(i + 1)),
						java.time.Instant.ofEpochMilli(number(flat.get(i + 2))), String.valueOf(flat.get(i + 3))));
			}
			return letters;
		});
	}

	/** Run a script on the shared connection's long-lived handle (see {@link RedisScripts}). */
	private Mono<List<Object>> run(Script script, List<String> keys, List<String> args) {
		return this.scripts.run(script, keys, args);
	}

	private static JobEntry entry(ByteBufferRecord record) {
		Map<ByteBuffer, ByteBuffer> fields = record.getValue();
		String id = null;
		String payload = null;
		int attempts = 0;
		long enqueued = 0;
		for (Map.Entry<ByteBuffer, ByteBuffer> field : fields.entrySet()) {
			String value = RedisScripts.string(field.getValue());
			switch (RedisScripts.string(field.getKey())) {
				case "id" -> id = value;
				case "payload" -> payload = value;
				case "attempts" -> attempts = Integer.parseInt(value);
				case "enqueued" -> enqueued = Long.parseLong(value);
				default -> {
				}
			}
		}
		String entryId = record.getId().getValue();
		return new JobEntry(entryId, (id != null) ? id : entryId, (payload != null) ? payload : "null", attempts,
				enqueued);
	}

	private static ByteBuffer bytes(String value) {
		return ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8));
	}

	private static long number(Object value) {
		return (value instanceof Number number) ? number.longValue() : Long.parseLong(String.valueOf(value));
	}

}

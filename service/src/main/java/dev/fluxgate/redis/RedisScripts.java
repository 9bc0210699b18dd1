package dev.fluxgate.redis;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.data.redis.connection.ReactiveRedisConnection;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.connection.ReturnType;
import org.springframework.data.redis.core.script.DigestUtils;

/**
 * Runs Lua scripts on one long-lived handle of a connection factory's shared connection, {@code EVALSHA} first and
 * the script itself when Redis does not have it yet. Spring Data's template takes the factory's lock for the shared
 * connection around every command, and its {@code DefaultRedisScript} takes another in every {@code getSha1()}: both
 * park an event loop when two requests run a script at the same moment. Here the handle is opened once, off the event
 * loops, and scripts are immutable.
 */
public final class RedisScripts {

	private final ReactiveRedisConnectionFactory connectionFactory;

	private volatile @Nullable ReactiveRedisConnection commands;

	/**
	 * Scripts run through a factory's shared connection.
	 * @param connectionFactory the factory
	 */
	public RedisScripts(ReactiveRedisConnectionFactory connectionFactory) {
		this.connectionFactory = connectionFactory;
	}

	/**
	 * A script, with its SHA-1 computed once.
	 * @param lua the script's source
	 * @return the script
	 */
	public static Script script(String lua) {
		return new Script(lua, DigestUtils.sha1DigestAsHex(lua));
	}

	/**
	 * Run a script.
	 * @param script the script
	 * @param keys its {@code KEYS}
	 * @param args its {@code ARGV}
	 * @return its reply as a flat list of strings and numbers (a reply of one nested list is that list)
	 */
	public Mono<List<Object>> run(Script script, List<String> keys, List<String> args) {
		return commands().flatMap((connection) -> connection.scriptingCommands()
			.evalSha(script.sha1(), ReturnType.MULTI, keys.size(), buffers(keys, args))
			.onErrorResume(RedisScripts::noScript, (ex) -> connection.scriptingCommands()
				.eval(bytes(script.lua()), ReturnType.MULTI, keys.size(), buffers(keys, args)))
			.collectList()
			.map(RedisScripts::strings));
	}

	/** Release the handle; the factory's shared connection stays open. */
	public void close() {
		ReactiveRedisConnection connection = this.commands;
		this.commands = null;
		if (connection != null) {
			connection.closeLater().onErrorResume((ex) -> Mono.empty()).subscribe();
		}
	}

	private Mono<ReactiveRedisConnection> commands() {
		ReactiveRedisConnection connection = this.commands;
		if (connection != null) {
			return Mono.just(connection);
		}
		// Opening the shared connection may wait for it: off the event loops, once.
		return Mono.fromCallable(this.connectionFactory::getReactiveConnection)
			.subscribeOn(Schedulers.boundedElastic())
			.map((opened) -> {
				synchronized (this) {
					ReactiveRedisConnection current = this.commands;
					if (current == null) {
						this.commands = opened;
						return opened;
					}
					opened.closeLater().subscribe();
					return current;
				}
			});
	}

	private static ByteBuffer[] buffers(List<String> keys, List<String> args) {
		ByteBuffer[] buffers = new ByteBuffer[keys.size() + args.size()];
		int i = 0;
		for (String key : keys) {
			buffers[i++] = bytes(key);
		}
		for (String arg : args) {
			buffers[i++] = bytes(arg);
		}
		return buffers;
	}

	private static ByteBuffer bytes(String value) {
		return ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8));
	}

	private static boolean noScript(Throwable ex) {
		for (Throwable cause = ex; cause != null; cause = (cause.getCause() != cause) ? cause.getCause() : null) {
			if (String.valueOf(cause.getMessage()).contains("NOSCRIPT")) {
				return true;
			}
		}
		return false;
	}

	/** Redis bulk strings arrive as bytes. */
	private static List<Object> strings(List<Object> reply) {
		List<?> values = (reply.size() == 1 && reply.get(0) instanceof List<?> inner) ? inner : reply;
		List<Object> result = new ArrayList<>(values.size());
		for (Object value : values) {
			if (value instanceof ByteBuffer buffer) {
				result.add(string(buffer));
			}
			else if (value instanceof byte[] array) {
				result.add(new String(array, StandardCharsets.UTF_8));
			}
			else {
				result.add(value);
			}
		}
		return result;
	}

	/**
	 * Decode a reply's bulk string. A plain {@code new String} of the bytes: the charset decoder's buffers cost
	 * several times more per value, which adds up on replies of hundreds of jobs.
	 * @param buffer the bytes, left unread
	 * @return the text
	 */
	public static String string(ByteBuffer buffer) {
		if (buffer.hasArray()) {
			return new String(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining(),
					StandardCharsets.UTF_8);
		}
		byte[] bytes = new byte[buffer.remaining()];
		buffer.duplicate().get(bytes);
		return new String(bytes, StandardCharsets.UTF_8);
	}

	/**
	 * An immutable Lua script.
	 * @param lua its source
	 * @param sha1 its SHA-1, for {@code EVALSHA}
	 */
	public record Script(String lua, String sha1) {

	}

}

package dev.fluxgate.ratelimit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import dev.fluxgate.overload.CapacityExceededException;
import dev.fluxgate.redis.RedisScripts;
import dev.fluxgate.redis.RedisScripts.Script;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

/**
 * Buckets shared by every instance through Redis: one atomic Lua script per decision, timed by the Redis server
 * clock, with all keys of a decision under one hash tag (Redis Cluster safe) and a TTL so idle keys expire. Each
 * call is bounded by a short timeout and a circuit breaker; when Redis fails the {@link RateLimitFailurePolicy}
 * decides, so a Redis outage never stalls requests.
 */
public final class RedisRateLimitBackend implements RateLimitBackend {

	/** Problem reason when {@link RateLimitFailurePolicy#FAIL_CLOSED} refuses a request. */
	public static final String REASON_UNAVAILABLE = "rate-limit-unavailable";

	private static final Logger logger = LoggerFactory.getLogger(RedisRateLimitBackend.class);

	/**
	 * Read once: a resource-backed script re-checks the file's modification time on every call. Run through
	 * {@link RedisScripts}, which takes no lock on an event loop.
	 */
	private static final Script SCRIPT = RedisScripts.script(loadScript());

	private static final int MAX_RAW_KEY_LENGTH = 64;

	private final RedisScripts scripts;

	private final String keyPrefix;

	private final Duration timeout;

	private final CircuitBreaker circuitBreaker;

	private final RateLimitFailurePolicy failurePolicy;

	private final RateLimitBackend fallback;

	private final Counter failures;

	/** Until one call succeeded the connection may still be opened, which Lettuce does by waiting: keep it off event loops. */
	private volatile boolean connected;

	/**
	 * A Redis backend.
	 * @param redis the template; its connection factory runs the script
	 * @param keyPrefix prefix of every key
	 * @param timeout longest wait for one decision
	 * @param circuitBreaker the breaker around Redis
	 * @param failurePolicy what to do while Redis is unavailable
	 * @param fallback the local backend for {@link RateLimitFailurePolicy#LOCAL_FALLBACK}
	 * @param meterRegistry where to count backend failures; without one they are settled but not counted
	 */
	public RedisRateLimitBackend(ReactiveStringRedisTemplate redis, String keyPrefix, Duration timeout,
			CircuitBreaker circuitBreaker, RateLimitFailurePolicy failurePolicy, RateLimitBackend fallback,
			@Nullable MeterRegistry meterRegistry) {
		this.scripts = new RedisScripts(redis.getConnectionFactory());
		this.keyPrefix = keyPrefix;
		this.timeout = timeout;
		this.circuitBreaker = circuitBreaker;
		this.failurePolicy = failurePolicy;
		this.fallback = fallback;
		this.failures = Counter.builder("fluxgate.rate-limit.backend.failures")
			.description("Rate-limit decisions the Redis backend could not make, settled by the failure policy")
			.tag("policy", failurePolicy.name().toLowerCase().replace('_', '-'))
			.register((meterRegistry != null) ? meterRegistry : new CompositeMeterRegistry());
	}

	@Override
	public Mono<RateLimitDecision> tryConsume(RateLimitPolicy policy, String key) {
		Mono<RateLimitDecision> decision = evaluate(policy, key);
		if (!this.connected) {
			decision = decision.subscribeOn(Schedulers.boundedElastic());
		}
		return decision.timeout(this.timeout)
			.transformDeferred(CircuitBreakerOperator.of(this.circuitBreaker))
			.doOnNext((ok) -> this.connected = true)
			.onErrorResume((ex) -> onFailure(policy, key, ex));
	}

	/**
	 * Open the connection and load the script, so the first requests neither pay for it nor time out on it and fall
	 * back. Call it once at startup, off the event loops.
	 * @return completes when Redis answered; errors when it did not
	 */
	public Mono<Void> warmUp() {
		// no keys: the script only reads the server time and returns {1, 0}
		return this.scripts.run(SCRIPT, List.of(), List.of())
			.then()
			.doOnSuccess((done) -> this.connected = true);
	}

	private Mono<RateLimitDecision> evaluate(RateLimitPolicy policy, String key) {
		List<String> keys = new ArrayList<>(policy.windows().size());
		List<String> args = new ArrayList<>(policy.windows().size() * 2);
		String tag = "{" + policy.name() + ":" + compact(key) + "}";
		for (RateLimitWindow window : policy.windows()) {
			keys.add(this.keyPrefix + tag + ":" + window.name());
			args.add(Long.toString(window.limit()));
			args.add(Long.toString(window.period().toNanos() / 1000));
		}
		return this.scripts.run(SCRIPT, keys, args).map((result) -> toDecision(policy, result));
	}

	private static RateLimitDecision toDecision(RateLimitPolicy policy, List<?> values) {
		boolean allowed = number(values.get(0)) == 1;
		Duration retryAfter = Duration.ofNanos(number(values.get(1)) * 1000);
		List<RateLimitDecision.WindowState> states = new ArrayList<>();
		for (int i = 0; i < policy.windows().size(); i++) {
			states.add(new RateLimitDecision.WindowState(policy.windows().get(i), number(values.get(2 + 2 * i)),
					Duration.ofNanos(number(values.get(3 + 2 * i)) * 1000)));
		}
		return new RateLimitDecision(allowed, retryAfter, states);
	}

	private static long number(Object value) {
		return (value instanceof Number number) ? number.longValue() : Long.parseLong(String.valueOf(value));
	}

	private Mono<RateLimitDecision> onFailure(RateLimitPolicy policy, String key, Throwable ex) {
		this.failures.increment();
		if (logger.isDebugEnabled()) {
			logger.debug("Redis rate-limit decision failed ({}), applying {}", ex.toString(), this.failurePolicy);
		}
		return switch (this.failurePolicy) {
			case FAIL_OPEN -> Mono.just(RateLimitDecision.unchecked());
			case FAIL_CLOSED -> Mono.error(new CapacityExceededException(REASON_UNAVAILABLE,
					"The rate limiter cannot reach its backend", Duration.ofSeconds(1), ex));
			case LOCAL_FALLBACK -> this.fallback.tryConsume(policy, key);
		};
	}

	private static String loadScript() {
		try (InputStream in = new ClassPathResource("dev/fluxgate/ratelimit/token-bucket.lua").getInputStream()) {
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Keys are client-controlled (headers): bound their length, so nobody can store megabytes of key names. */
	private static String compact(String key) {
		if (key.length() <= MAX_RAW_KEY_LENGTH && key.indexOf('{') < 0 && key.indexOf('}') < 0) {
			return key;
		}
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
			return "sha256:" + HexFormat.of().formatHex(digest);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}

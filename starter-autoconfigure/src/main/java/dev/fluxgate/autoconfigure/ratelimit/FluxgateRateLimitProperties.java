package dev.fluxgate.autoconfigure.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import dev.fluxgate.autoconfigure.validation.InvalidPropertyException;
import dev.fluxgate.autoconfigure.validation.PropertyChecks;
import dev.fluxgate.ratelimit.RateLimitFailurePolicy;
import dev.fluxgate.ratelimit.RateLimitKeyResolver;
import dev.fluxgate.ratelimit.RateLimitPolicy;
import dev.fluxgate.ratelimit.RateLimitWindow;
import dev.fluxgate.server.ServerFilterOrder;

import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.ClassUtils;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * Request rate limiting: token-bucket policies matched by path, keyed by client address, header or principal, with
 * per-second and per-minute windows, kept locally or in Redis.
 */
@ConfigurationProperties("fluxgate.rate-limit")
public class FluxgateRateLimitProperties implements InitializingBean {

	private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

	static final String REDIS_TEMPLATE_CLASS = "org.springframework.data.redis.core.ReactiveStringRedisTemplate";

	/**
	 * Whether the policies are enforced. Nothing is limited until a policy is configured.
	 */
	private boolean enabled = true;

	/**
	 * Where buckets live. local: each instance enforces the budget on its own (no extra round trip, but N instances
	 * allow N times the budget). redis: one budget shared by every instance.
	 */
	private Backend backend = Backend.LOCAL;

	/**
	 * What the redis backend does when Redis is unavailable, slow or behind its open circuit. local-fallback keeps
	 * limiting with this instance's buckets, so neither an outage stalls requests nor does it switch limiting off.
	 */
	private RateLimitFailurePolicy failurePolicy = RateLimitFailurePolicy.LOCAL_FALLBACK;

	/**
	 * Order of the rate-limit WebFilter. Default -101: after Fluxgate's deadline and shedding filters, just before
	 * Spring Security's WebFilterChainProxy (-100) and application filters; -99 (just after Spring Security) when a
	 * policy is keyed by principal.
	 */
	private @Nullable Integer filterOrder;

	private final Redis redis = new Redis();

	/**
	 * The policies by name, applied in the order they are declared; every policy whose paths match the request
	 * spends one token of its own budget.
	 */
	private Map<String, Policy> policies = new LinkedHashMap<>();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Backend getBackend() {
		return this.backend;
	}

	public void setBackend(Backend backend) {
		this.backend = backend;
	}

	public RateLimitFailurePolicy getFailurePolicy() {
		return this.failurePolicy;
	}

	public void setFailurePolicy(RateLimitFailurePolicy failurePolicy) {
		this.failurePolicy = failurePolicy;
	}

	public @Nullable Integer getFilterOrder() {
		return this.filterOrder;
	}

	public void setFilterOrder(@Nullable Integer filterOrder) {
		this.filterOrder = filterOrder;
	}

	public Redis getRedis() {
		return this.redis;
	}

	public Map<String, Policy> getPolicies() {
		return this.policies;
	}

	public void setPolicies(Map<String, Policy> policies) {
		this.policies = policies;
	}

	int effectiveFilterOrder() {
		if (this.filterOrder != null) {
			return this.filterOrder;
		}
		boolean principal = this.policies.values().stream().anyMatch((policy) -> policy.getKey() == KeyType.PRINCIPAL);
		return principal ? ServerFilterOrder.RATE_LIMIT_AFTER_SECURITY : ServerFilterOrder.RATE_LIMIT;
	}

	List<RateLimitPolicy> toPolicies() {
		List<RateLimitPolicy> result = new ArrayList<>();
		this.policies.forEach((name, policy) -> result.add(policy.toPolicy(name)));
		return result;
	}

	@Override
	public void afterPropertiesSet() {
		if (this.backend == Backend.REDIS && !ClassUtils.isPresent(REDIS_TEMPLATE_CLASS, getClass().getClassLoader())) {
			throw new InvalidPropertyException("fluxgate.rate-limit.backend", "redis",
					"local, or redis with spring-boot-starter-data-redis-reactive on the classpath");
		}
		this.redis.validate();
		this.policies.forEach((name, policy) -> {
			if (!NAME.matcher(name).matches()) {
				throw new InvalidPropertyException("fluxgate.rate-limit.policies." + name, name,
						"a name of letters, digits, '.', '_' or '-' (at most 64 characters)");
			}
			policy.validate("fluxgate.rate-limit.policies." + name);
		});
	}

	/**
	 * Where buckets live.
	 */
	public enum Backend {

		/** In this JVM. */
		LOCAL,

		/** In Redis, shared by every instance. */
		REDIS

	}

	/**
	 * Whose budget a request spends.
	 */
	public enum KeyType {

		/**
		 * The client address; X-Forwarded-For/Forwarded only when server.forward-headers-strategy trusts them.
		 */
		CLIENT_ADDRESS,

		/** The value of a request header (key-header), falling back to the client address. */
		HEADER,

		/** The authenticated principal's name, falling back to the client address. */
		PRINCIPAL

	}

	/**
	 * The Redis backend.
	 */
	public static class Redis {

		/**
		 * Longest wait for one decision. The decision sits in front of every matching request, so it must be far
		 * below any request timeout: a Redis that stalls is then treated as down (failure policy) instead of adding
		 * its stall to every request (Spring Cloud Gateway waits for the full Redis timeout).
		 */
		private Duration timeout = Duration.ofMillis(100);

		/**
		 * Prefix of every key; the bucket's policy and key follow in a {hash tag}, so a decision's keys share one
		 * Redis Cluster slot.
		 */
		private String keyPrefix = "fluxgate:rate-limit:";

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

		public String getKeyPrefix() {
			return this.keyPrefix;
		}

		public void setKeyPrefix(String keyPrefix) {
			this.keyPrefix = keyPrefix;
		}

		void validate() {
			PropertyChecks.forPrefix("fluxgate.rate-limit.redis").positive("timeout", this.timeout);
			if (this.timeout.compareTo(Duration.ofSeconds(5)) > 0) {
				throw new InvalidPropertyException("fluxgate.rate-limit.redis.timeout", this.timeout,
						"a positive duration of at most 5s (every limited request waits for it)");
			}
			if (this.keyPrefix == null || this.keyPrefix.contains("{") || this.keyPrefix.contains("}")) {
				throw new InvalidPropertyException("fluxgate.rate-limit.redis.key-prefix", this.keyPrefix,
						"a string without '{' or '}' (the hash tag is added by Fluxgate)");
			}
		}

	}

	/**
	 * One policy.
	 */
	public static class Policy {

		/**
		 * Path patterns the policy applies to (PathPattern syntax, for example /api/**), matched against the path
		 * within the application.
		 */
		private List<String> paths = new ArrayList<>();

		/**
		 * Whose budget a request spends.
		 */
		private KeyType key = KeyType.CLIENT_ADDRESS;

		/**
		 * The header that identifies the client when key is header, for example X-Api-Key.
		 */
		private @Nullable String keyHeader;

		/**
		 * Requests per second per key (the bucket holds this many, so it is also the largest burst). Unset for no
		 * per-second window.
		 */
		private @Nullable Long perSecond;

		/**
		 * Requests per minute per key. Unset for no per-minute window.
		 */
		private @Nullable Long perMinute;

		public List<String> getPaths() {
			return this.paths;
		}

		public void setPaths(List<String> paths) {
			this.paths = paths;
		}

		public KeyType getKey() {
			return this.key;
		}

		public void setKey(KeyType key) {
			this.key = key;
		}

		public @Nullable String getKeyHeader() {
			return this.keyHeader;
		}

		public void setKeyHeader(@Nullable String keyHeader) {
			this.keyHeader = keyHeader;
		}

		public @Nullable Long getPerSecond() {
			return this.perSecond;
		}

		public void setPerSecond(@Nullable Long perSecond) {
			this.perSecond = perSecond;
		}

		public @Nullable Long getPerMinute() {
			return this.perMinute;
		}

		public void setPerMinute(@Nullable Long perMinute) {
			this.perMinute = perMinute;
		}

		void validate(String prefix) {
			if (this.paths == null || this.paths.isEmpty()) {
				throw new InvalidPropertyException(prefix + ".paths", this.paths,
						"at least one path pattern (for example /api/**)");
			}
			for (String path : this.paths) {
				try {
					PathPatternParser.defaultInstance.parse(path);
				}
				catch (IllegalArgumentException ex) {
					throw new InvalidPropertyException(prefix + ".paths", path,
							"a valid path pattern (for example /api/**): " + ex.getMessage());
				}
			}
			if (this.perSecond == null && this.perMinute == null) {
				throw new InvalidPropertyException(prefix + ".per-second", null,
						"set: a policy needs per-second, per-minute or both");
			}
			if (this.perSecond != null && (this.perSecond < 1 || this.perSecond > 1_000_000_000L)) {
				throw new InvalidPropertyException(prefix + ".per-second", this.perSecond,
						"between 1 and 1000000000");
			}
			if (this.perMinute != null && (this.perMinute < 1 || this.perMinute > 1_000_000_000L)) {
				throw new InvalidPropertyException(prefix + ".per-minute", this.perMinute,
						"between 1 and 1000000000");
			}
			if (this.key == KeyType.HEADER && (this.keyHeader == null || this.keyHeader.isBlank())) {
				throw new InvalidPropertyException(prefix + ".key-header", this.keyHeader,
						"a header name (for example X-Api-Key) when " + prefix + ".key is header");
			}
		}

		RateLimitPolicy toPolicy(String name) {
			List<RateLimitWindow> windows = new ArrayList<>();
			if (this.perSecond != null) {
				windows.add(new RateLimitWindow("second", this.perSecond, Duration.ofSeconds(1)));
			}
			if (this.perMinute != null) {
				windows.add(new RateLimitWindow("minute", this.perMinute, Duration.ofMinutes(1)));
			}
			RateLimitKeyResolver resolver = switch (this.key) {
				case CLIENT_ADDRESS -> RateLimitKeyResolver.clientAddress();
				case HEADER -> RateLimitKeyResolver.header(this.keyHeader);
				case PRINCIPAL -> RateLimitKeyResolver.principal();
			};
			return RateLimitPolicy.of(name, this.paths, resolver, windows);
		}

	}

}

package dev.fluxgate.autoconfigure.dependency;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import dev.fluxgate.autoconfigure.validation.InvalidPropertyException;
import dev.fluxgate.autoconfigure.validation.PropertyChecks;
import dev.fluxgate.dependency.BulkheadSettings;
import dev.fluxgate.dependency.DependencySettings;
import dev.fluxgate.dependency.RetrySettings;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.http.HttpMethod;

/**
 * Named outbound dependencies: {@code fluxgate.dependencies.<name>.*}. Each name gets a deadline-capped timeout, a
 * non-blocking bulkhead, a Resilience4j circuit breaker (instance {@code <name>}, tuned with the standard
 * {@code resilience4j.circuitbreaker.instances.<name>.*} properties) and a budgeted retry. An HTTP service client
 * group ({@code spring.http.serviceclient.<group>}) is the dependency of the same name.
 */
@ConfigurationProperties("fluxgate")
public class FluxgateDependenciesProperties implements InitializingBean {

	static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

	/**
	 * The dependencies by name. The name is the circuit breaker instance, the HTTP service client group it guards,
	 * and the {@code gate}/{@code dependency} tag of its meters, so keep it short and stable.
	 */
	private Map<String, Dependency> dependencies = new LinkedHashMap<>();

	public Map<String, Dependency> getDependencies() {
		return this.dependencies;
	}

	public void setDependencies(Map<String, Dependency> dependencies) {
		this.dependencies = dependencies;
	}

	@Override
	public void afterPropertiesSet() {
		this.dependencies.forEach((name, dependency) -> {
			if (!NAME.matcher(name).matches()) {
				throw new InvalidPropertyException("fluxgate.dependencies." + name, name,
						"a name of letters, digits, '.', '_' or '-' (at most 64 characters)");
			}
			dependency.validate("fluxgate.dependencies." + name);
		});
	}

	/**
	 * One dependency.
	 */
	public static class Dependency {

		/**
		 * Base URL of the dependency for clients built with FluxgateDependencies. For HTTP service client groups
		 * prefer spring.http.serviceclient.<name>.base-url; this one, when set, wins.
		 */
		private String baseUrl;

		/**
		 * Longest time for one logical call: waiting in the bulkhead, every attempt and every backoff, further
		 * capped by what remains of the request's deadline. Without it a slow dependency holds the caller's request
		 * until the client read timeout, and retries multiply that wait.
		 */
		private Duration timeout = Duration.ofSeconds(5);

		/**
		 * Longest time for a single attempt. Shorter than the call timeout so a retry still fits after one hung
		 * attempt; a timed-out attempt counts as a failure for the circuit breaker.
		 */
		private Duration attemptTimeout = Duration.ofSeconds(2);

		private final Bulkhead bulkhead = new Bulkhead();

		private final CircuitBreaker circuitBreaker = new CircuitBreaker();

		private final Retry retry = new Retry();

		public String getBaseUrl() {
			return this.baseUrl;
		}

		public void setBaseUrl(String baseUrl) {
			this.baseUrl = baseUrl;
		}

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

		public Duration getAttemptTimeout() {
			return this.attemptTimeout;
		}

		public void setAttemptTimeout(Duration attemptTimeout) {
			this.attemptTimeout = attemptTimeout;
		}

		public Bulkhead getBulkhead() {
			return this.bulkhead;
		}

		public CircuitBreaker getCircuitBreaker() {
			return this.circuitBreaker;
		}

		public Retry getRetry() {
			return this.retry;
		}

		void validate(String prefix) {
			PropertyChecks checks = PropertyChecks.forPrefix(prefix);
			if (this.baseUrl != null && !this.baseUrl.isBlank()) {
				URI uri;
				try {
					uri = URI.create(this.baseUrl);
				}
				catch (IllegalArgumentException ex) {
					uri = null;
				}
				if (uri == null || uri.getHost() == null || uri.getScheme() == null
						|| !Set.of("http", "https").contains(uri.getScheme().toLowerCase())) {
					throw new InvalidPropertyException(prefix + ".base-url", this.baseUrl,
							"an absolute http or https URL (for example http://catalog:8080)");
				}
			}
			checks.positive("timeout", this.timeout);
			checks.positive("attempt-timeout", this.attemptTimeout);
			this.bulkhead.validate(prefix + ".bulkhead");
			this.retry.validate(prefix + ".retry");
		}

		DependencySettings toSettings(String name) {
			BulkheadSettings bulkheadSettings = this.bulkhead.isEnabled() ? new BulkheadSettings(
					this.bulkhead.getMaxConcurrentCalls(), this.bulkhead.getMaxQueued(), this.bulkhead.getMaxQueueWait())
					: null;
			RetrySettings retrySettings = this.retry.isEnabled()
					? new RetrySettings(this.retry.getMaxAttempts(), this.retry.getInitialBackoff(),
							this.retry.getMaxBackoff(), this.retry.methods(), this.retry.getStatuses(),
							this.retry.getBudget().getPercent(), this.retry.getBudget().getMinPerSecond(),
							this.retry.getBudget().getWindow())
					: RetrySettings.disabled();
			return new DependencySettings(name, this.timeout, this.attemptTimeout, bulkheadSettings, retrySettings);
		}

	}

	/**
	 * The dependency's bulkhead.
	 */
	public static class Bulkhead {

		/**
		 * Whether calls are limited. Without a bulkhead one slow dependency takes every connection and every request
		 * of the service with it.
		 */
		private boolean enabled = true;

		/**
		 * Calls in flight at the same time. By Little's law 50 carries 500 calls/s at 100 ms each; a dependency that
		 * slows down then costs at most 50 waiting requests instead of all of them. Keep it at or below
		 * fluxgate.http-client.pool.max-connections.
		 */
		private int maxConcurrentCalls = 50;

		/**
		 * Calls that may wait for a permit; beyond that calls fail at once with 503 (reason bulkhead-full). A bounded
		 * queue absorbs bursts without turning a slowdown into unbounded memory and latency.
		 */
		private int maxQueued = 100;

		/**
		 * Longest wait for a permit (also capped by the request's remaining deadline). Waiting longer than a
		 * fraction of the call timeout only moves the timeout into the queue; 0 disables waiting.
		 */
		private Duration maxQueueWait = Duration.ofMillis(500);

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public int getMaxConcurrentCalls() {
			return this.maxConcurrentCalls;
		}

		public void setMaxConcurrentCalls(int maxConcurrentCalls) {
			this.maxConcurrentCalls = maxConcurrentCalls;
		}

		public int getMaxQueued() {
			return this.maxQueued;
		}

		public void setMaxQueued(int maxQueued) {
			this.maxQueued = maxQueued;
		}

		public Duration getMaxQueueWait() {
			return this.maxQueueWait;
		}

		public void setMaxQueueWait(Duration maxQueueWait) {
			this.maxQueueWait = maxQueueWait;
		}

		void validate(String prefix) {
			PropertyChecks checks = PropertyChecks.forPrefix(prefix);
			checks.between("max-concurrent-calls", this.maxConcurrentCalls, 1, 100_000);
			checks.between("max-queued", this.maxQueued, 0, 1_000_000);
			if (this.maxQueueWait == null || this.maxQueueWait.isNegative()) {
				throw new InvalidPropertyException(prefix + ".max-queue-wait", this.maxQueueWait,
						"zero or a positive duration (for example 500ms)");
			}
		}

	}

	/**
	 * The dependency's circuit breaker. Its thresholds are Resilience4j's:
	 * resilience4j.circuitbreaker.instances.<name>.* (Fluxgate installs its defaults at the lowest precedence, in the
	 * shared config resilience4j.circuitbreaker.configs.fluxgate).
	 */
	public static class CircuitBreaker {

		/**
		 * Whether calls go through a circuit breaker. Without one, every request keeps paying the full timeout of a
		 * dependency that is down.
		 */
		private boolean enabled = true;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

	}

	/**
	 * Retries of the dependency's calls.
	 */
	public static class Retry {

		/**
		 * Whether failed calls are retried.
		 */
		private boolean enabled = true;

		/**
		 * Attempts per call, the first included. Three rides out a dropped connection or one overloaded instance;
		 * more only multiplies load on a dependency that is already failing.
		 */
		private int maxAttempts = 3;

		/**
		 * Upper bound of the first backoff; the wait is uniform in [0, bound) (full jitter) and the bound doubles
		 * per attempt, so retries from many callers spread out instead of arriving in synchronized waves.
		 */
		private Duration initialBackoff = Duration.ofMillis(50);

		/**
		 * Cap of the backoff bound. A Retry-After from the dependency wins when longer, as long as the retry still
		 * fits in the call's time.
		 */
		private Duration maxBackoff = Duration.ofSeconds(1);

		/**
		 * HTTP methods that are retried. Only idempotent ones by default: retrying a POST whose first attempt did
		 * reach the server can create duplicates.
		 */
		private List<String> methods = List.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE");

		/**
		 * Response statuses that are retried (connection failures and attempt timeouts always are). 502, 503 and 504
		 * say "try again, maybe elsewhere"; a 500 usually fails again the same way.
		 */
		private Set<Integer> statuses = new LinkedHashSet<>(List.of(502, 503, 504));

		private final Budget budget = new Budget();

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public int getMaxAttempts() {
			return this.maxAttempts;
		}

		public void setMaxAttempts(int maxAttempts) {
			this.maxAttempts = maxAttempts;
		}

		public Duration getInitialBackoff() {
			return this.initialBackoff;
		}

		public void setInitialBackoff(Duration initialBackoff) {
			this.initialBackoff = initialBackoff;
		}

		public Duration getMaxBackoff() {
			return this.maxBackoff;
		}

		public void setMaxBackoff(Duration maxBackoff) {
			this.maxBackoff = maxBackoff;
		}

		public List<String> getMethods() {
			return this.methods;
		}

		public void setMethods(List<String> methods) {
			this.methods = methods;
		}

		public Set<Integer> getStatuses() {
			return this.statuses;
		}

		public void setStatuses(Set<Integer> statuses) {
			this.statuses = statuses;
		}

		public Budget getBudget() {
			return this.budget;
		}

		Set<HttpMethod> methods() {
			Set<HttpMethod> result = new LinkedHashSet<>();
			this.methods.forEach((method) -> result.add(HttpMethod.valueOf(method.trim().toUpperCase())));
			return result;
		}

		void validate(String prefix) {
			PropertyChecks checks = PropertyChecks.forPrefix(prefix);
			checks.between("max-attempts", this.maxAttempts, 1, 10);
			if (this.initialBackoff == null || this.initialBackoff.isNegative()) {
				throw new InvalidPropertyException(prefix + ".initial-backoff", this.initialBackoff,
						"zero or a positive duration (for example 50ms)");
			}
			if (this.maxBackoff == null || this.maxBackoff.compareTo(this.initialBackoff) < 0) {
				throw new InvalidPropertyException(prefix + ".max-backoff", this.maxBackoff,
						"a duration not shorter than " + prefix + ".initial-backoff (" + this.initialBackoff + ")");
			}
			Set<String> known = Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE", "POST", "PATCH");
			for (String method : this.methods) {
				if (method == null || !known.contains(method.trim().toUpperCase())) {
					throw new InvalidPropertyException(prefix + ".methods", this.methods,
							"a list of HTTP methods (GET, HEAD, OPTIONS, PUT, DELETE, TRACE, POST, PATCH)");
				}
			}
			for (Integer status : this.statuses) {
				if (status == null || status < 100 || status > 599) {
					throw new InvalidPropertyException(prefix + ".statuses", this.statuses,
							"a list of HTTP status codes between 100 and 599");
				}
			}
			this.budget.validate(prefix + ".budget");
		}

	}

	/**
	 * The retry budget: retries within the window may not exceed percent x requests + min-per-second x window
	 * seconds, so retries can never multiply the load on a failing dependency.
	 */
	public static class Budget {

		/**
		 * Retries allowed as a percentage of the requests in the window. 20 % caps the extra load retries can add at
		 * 1.2x, where unbudgeted retries at 3 attempts triple it exactly when the dependency is struggling.
		 */
		private int percent = 20;

		/**
		 * Retries always allowed per second on top of the percentage, so a dependency with little traffic can still
		 * be retried.
		 */
		private int minPerSecond = 3;

		/**
		 * The sliding window over which requests and retries are counted (whole seconds).
		 */
		private Duration window = Duration.ofSeconds(10);

		public int getPercent() {
			return this.percent;
		}

		public void setPercent(int percent) {
			this.percent = percent;
		}

		public int getMinPerSecond() {
			return this.minPerSecond;
		}

		public void setMinPerSecond(int minPerSecond) {
			this.minPerSecond = minPerSecond;
		}

		public Duration getWindow() {
			return this.window;
		}

		public void setWindow(Duration window) {
			this.window = window;
		}

		void validate(String prefix) {
			PropertyChecks checks = PropertyChecks.forPrefix(prefix);
			checks.between("percent", this.percent, 0, 100);
			checks.between("min-per-second", this.minPerSecond, 0, 10_000);
			if (this.window == null || this.window.toSeconds() < 1 || this.window.toSeconds() > 300) {
				throw new InvalidPropertyException(prefix + ".window", this.window, "between 1s and 300s");
			}
		}

	}

}

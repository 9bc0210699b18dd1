package dev.fluxgate.autoconfigure.doctor;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.fluxgate.autoconfigure.defaults.ConcurrencySetting;
import dev.fluxgate.autoconfigure.defaults.ConcurrencySettingsReport;
import dev.fluxgate.autoconfigure.defaults.ConcurrencySettingsReporter;
import dev.fluxgate.dependency.Bulkhead;
import dev.fluxgate.doctor.Finding;
import dev.fluxgate.gate.GateSnapshot;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.Sanitizer;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * {@code /actuator/concurrency}: the effective concurrency settings, every pool, gate and scheduler with its headroom,
 * the event loops, the capacity plan, and the findings in the order an expert troubleshoots. Like every Boot
 * endpoint it is exposed over HTTP only when {@code management.endpoints.web.exposure.include} names it. Setting
 * values go through Boot's {@link Sanitizer}: {@code management.endpoint.concurrency.show-values} and
 * {@code roles} decide whether they are shown, and the application's {@link SanitizingFunction} beans apply, then
 * Fluxgate's own (credentials, sensitive keys, URIs with user information).
 */
@Endpoint(id = "concurrency")
public class ConcurrencyEndpoint {

	/** Applied after the application's functions: masks what is likely secret when values are shown. */
	static final SanitizingFunction LIKELY_SECRET = SanitizingFunction.sanitizeValue()
		.ifLikelyCredential()
		.ifLikelySensitiveProperty()
		.ifValueStringMatches(ConcurrencyEndpoint::hasUserInfo);

	private final @Nullable ConcurrencySettingsReporter settings;

	private final ConcurrencyDoctor doctor;

	private final List<ConcurrencySection> sections;

	private final Sanitizer sanitizer;

	private final Show showValues;

	private final Set<String> roles;

	private final Function<String, @Nullable String> circuitStates;

	ConcurrencyEndpoint(@Nullable ConcurrencySettingsReporter settings, ConcurrencyDoctor doctor,
			List<ConcurrencySection> sections, Iterable<SanitizingFunction> sanitizingFunctions, Show showValues,
			Set<String> roles, Function<String, @Nullable String> circuitStates) {
		this.settings = settings;
		this.doctor = doctor;
		this.sections = sections;
		List<SanitizingFunction> functions = new ArrayList<>();
		sanitizingFunctions.forEach(functions::add);
		functions.add(LIKELY_SECRET);
		this.sanitizer = new Sanitizer(functions);
		this.showValues = showValues;
		this.roles = roles;
		this.circuitStates = circuitStates;
	}

	@ReadOperation
	public Mono<ConcurrencyDescriptor> concurrency(SecurityContext securityContext) {
		boolean showUnsanitized = this.showValues.isShown(securityContext, this.roles);
		return this.doctor.diagnose()
			.map((diagnosed) -> new ConcurrencyDescriptor(settings(showUnsanitized), resources(diagnosed.signals()),
					eventLoops(diagnosed.signals()), diagnosed.signals().inFlightRequests(), diagnosed.capacity(),
					diagnosed.saturation(), diagnosed.findings()))
			.flatMap(this::withSections);
	}

	private Mono<ConcurrencyDescriptor> withSections(ConcurrencyDescriptor body) {
		return Flux.fromIterable(this.sections)
			.concatMap((section) -> section.content()
				.doOnNext((content) -> body.sections.put(section.name(), content)))
			.then(Mono.just(body));
	}

	private SettingsDescriptor settings(boolean showUnsanitized) {
		if (this.settings == null) {
			return new SettingsDescriptor(List.of(), List.of());
		}
		ConcurrencySettingsReport report = this.settings.report();
		return new SettingsDescriptor(
				report.settings().stream().map((setting) -> sanitized(setting, showUnsanitized)).toList(),
				report.incoherences());
	}

	ConcurrencySetting sanitized(ConcurrencySetting setting, boolean showUnsanitized) {
		Object value = this.sanitizer.sanitize(new SanitizableData(null, setting.name(), setting.value()),
				showUnsanitized);
		return new ConcurrencySetting(setting.group(), setting.name(), String.valueOf(value), setting.source());
	}

	/** Whether a value is a URI carrying user information (a password), including {@code r2dbc:driver://} ones. */
	private static boolean hasUserInfo(String value) {
		int authority = value.indexOf("://");
		if (authority < 0) {
			return false;
		}
		try {
			return URI.create("x" + value.substring(authority)).getRawUserInfo() != null;
		}
		catch (IllegalArgumentException ex) {
			// Not a URI Java can parse: mask it rather than risk showing a password.
			return value.indexOf('@', authority) >= 0;
		}
	}

	private List<ResourceDescriptor> resources(Signals signals) {
		List<ResourceDescriptor> resources = new ArrayList<>();
		for (PoolSignal pool : signals.pools()) {
			resources.add(new ResourceDescriptor(pool.type() + "-pool", pool.name(), pool.max(), pool.acquired(),
					pool.pending(), pool.headroom(), null, null, null));
		}
		for (GateSnapshot gate : signals.gates()) {
			Integer capacity = (gate.limit() >= 0) ? gate.limit() : null;
			Integer headroom = (capacity != null) ? Math.max(0, capacity - gate.inFlight()) : null;
			// A dependency's gate is its bulkhead, and it also counts the calls its open circuit refused: users look
			// for it as the dependency, with the circuit's state next to its refusals.
			boolean dependency = Bulkhead.KIND.equals(gate.kind());
			resources.add(new ResourceDescriptor(dependency ? "dependency" : gate.kind(), gate.name(), capacity,
					gate.inFlight(), gate.queued(), headroom, gate.admitted(), gate.rejected(),
					dependency ? this.circuitStates.apply(gate.name()) : null));
		}
		return resources;
	}

	private static List<EventLoopDescriptor> eventLoops(Signals signals) {
		return signals.eventLoops()
			.stream()
			.map((loop) -> new EventLoopDescriptor(loop.name(), loop.lagP99Millis(), loop.lagMaxMillis(),
					loop.pendingTasks(), loop.stalls()))
			.toList();
	}

	/**
	 * The body of {@code /actuator/concurrency}. Sections contributed by other features ({@link ConcurrencySection},
	 * such as {@code jobs}) follow as further top-level keys.
	 */
	@JsonPropertyOrder({ "settings", "resources", "eventLoops", "inFlightRequests", "capacity", "saturation",
			"findings" })
	public static final class ConcurrencyDescriptor implements OperationResponseBody {

		private final SettingsDescriptor settings;

		private final List<ResourceDescriptor> resources;

		private final List<EventLoopDescriptor> eventLoops;

		private final @Nullable Double inFlightRequests;

		private final @Nullable CapacityPlan capacity;

		private final SaturationVerdict saturation;

		private final List<Finding> findings;

		private final Map<String, Object> sections = new LinkedHashMap<>();

		ConcurrencyDescriptor(SettingsDescriptor settings, List<ResourceDescriptor> resources,
				List<EventLoopDescriptor> eventLoops, @Nullable Double inFlightRequests,
				@Nullable CapacityPlan capacity, SaturationVerdict saturation, List<Finding> findings) {
			this.settings = settings;
			this.resources = resources;
			this.eventLoops = eventLoops;
			this.inFlightRequests = inFlightRequests;
			this.capacity = capacity;
			this.saturation = saturation;
			this.findings = findings;
		}

		public SettingsDescriptor getSettings() {
			return this.settings;
		}

		public List<ResourceDescriptor> getResources() {
			return this.resources;
		}

		public List<EventLoopDescriptor> getEventLoops() {
			return this.eventLoops;
		}

		public @Nullable Double getInFlightRequests() {
			return this.inFlightRequests;
		}

		public @Nullable CapacityPlan getCapacity() {
			return this.capacity;
		}

		public SaturationVerdict getSaturation() {
			return this.saturation;
		}

		public List<Finding> getFindings() {
			return this.findings;
		}

		/**
		 * The contributed sections, by name.
		 * @return the sections
		 */
		@JsonAnyGetter
		public Map<String, Object> getSections() {
			return this.sections;
		}

	}

	/**
	 * The startup report's settings, values sanitized, and the pairs of settings that contradict each other.
	 *
	 * @param values every setting with its source
	 * @param incoherences one sentence per contradicting pair
	 */
	public record SettingsDescriptor(List<ConcurrencySetting> values, List<String> incoherences) {

	}

	/**
	 * A pool, gate or dependency with its headroom.
	 *
	 * @param type {@code r2dbc-pool}, {@code http-client-pool}, {@code dependency} (its bulkhead), or the gate's
	 * kind ({@code shedding}, {@code offload}, {@code jobs}, ...)
	 * @param name the pool, gate or dependency name; an HTTP client pool is named by the address it connects to
	 * @param capacity the most it admits at once, when bounded
	 * @param inUse connections leased or calls in flight
	 * @param waiting acquisitions or calls queued
	 * @param headroom what can still be admitted without waiting, when bounded
	 * @param admitted calls admitted so far (gates only)
	 * @param rejected calls rejected so far, by reason (gates only; a dependency's include {@code circuit-open})
	 * @param circuit the state of a dependency's circuit breaker ({@code closed}, {@code open}, {@code half_open},
	 * ...), when it has one
	 */
	@JsonInclude(JsonInclude.Include.NON_NULL)
	public record ResourceDescriptor(String type, String name, @Nullable Integer capacity, int inUse, int waiting,
			@Nullable Integer headroom, @Nullable Long admitted, @Nullable Map<String, Long> rejected,
			@Nullable String circuit) {

	}

	/**
	 * One group of event loops.
	 *
	 * @param name the group ({@code reactor-netty}, {@code lettuce})
	 * @param lagP99Ms scheduling lag, 99th percentile, in milliseconds
	 * @param lagMaxMs the largest lag seen, in milliseconds
	 * @param pendingTasks tasks queued on the loops
	 * @param stalls stalls counted so far
	 */
	public record EventLoopDescriptor(String name, @Nullable Double lagP99Ms, @Nullable Double lagMaxMs,
			@Nullable Double pendingTasks, @Nullable Long stalls) {

	}

}

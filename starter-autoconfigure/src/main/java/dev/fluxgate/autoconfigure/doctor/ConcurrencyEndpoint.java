package dev.fluxgate.autoconfigure.doctor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import dev.fluxgate.autoconfigure.defaults.ConcurrencySetting;
import dev.fluxgate.autoconfigure.defaults.ConcurrencySettingsReport;
import dev.fluxgate.autoconfigure.defaults.ConcurrencySettingsReporter;
import dev.fluxgate.doctor.EventLoopSignal;
import dev.fluxgate.doctor.PoolSignal;
import dev.fluxgate.doctor.Signals;
import dev.fluxgate.gate.GateSnapshot;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * {@code /actuator/concurrency}: the effective concurrency settings, every pool, gate and scheduler with its headroom,
 * the event loops, the capacity plan, and the findings in the order an expert troubleshoots. Like every Boot
 * endpoint it is exposed over HTTP only when {@code management.endpoints.web.exposure.include} names it.
 */
@Endpoint(id = "concurrency")
public class ConcurrencyEndpoint {

	private static final Pattern SECRET = Pattern.compile(".*(password|secret|token|credential|key|auth).*",
			Pattern.CASE_INSENSITIVE);

	private static final Pattern URL_USER_INFO = Pattern.compile("(://[^:/@]+:)[^@/]+@");

	private final ConcurrencySettingsReporter settings;

	private final ConcurrencyDoctor doctor;

	private final List<ConcurrencySection> sections;

	ConcurrencyEndpoint(ConcurrencySettingsReporter settings, ConcurrencyDoctor doctor) {
		this(settings, doctor, List.of());
	}

	ConcurrencyEndpoint(ConcurrencySettingsReporter settings, ConcurrencyDoctor doctor,
			List<ConcurrencySection> sections) {
		this.settings = settings;
		this.doctor = doctor;
		this.sections = sections;
	}

	@ReadOperation
	public Mono<Map<String, Object>> concurrency() {
		return this.doctor.diagnose().map((diagnosed) -> {
			Map<String, Object> body = new LinkedHashMap<>();
			body.put("settings", settings());
			body.put("resources", resources(diagnosed.signals()));
			body.put("eventLoops", eventLoops(diagnosed.signals()));
			body.put("inFlightRequests", diagnosed.signals().inFlightRequests());
			body.put("capacity", diagnosed.capacity());
			body.put("saturation", diagnosed.saturation());
			body.put("findings", diagnosed.findings());
			return body;
		}).flatMap(this::withSections);
	}

	private Mono<Map<String, Object>> withSections(Map<String, Object> body) {
		return Flux.fromIterable(this.sections)
			.concatMap((section) -> section.content().doOnNext((content) -> body.put(section.name(), content)))
			.then(Mono.just(body));
	}

	private Map<String, Object> settings() {
		Map<String, Object> settings = new LinkedHashMap<>();
		if (this.settings == null) {
			return settings;
		}
		ConcurrencySettingsReport report = this.settings.report();
		settings.put("values", report.settings().stream().map(ConcurrencyEndpoint::masked).toList());
		settings.put("incoherences", report.incoherences());
		return settings;
	}

	static ConcurrencySetting masked(ConcurrencySetting setting) {
		String value = setting.value();
		if (value != null && SECRET.matcher(setting.name()).matches()) {
			value = "******";
		}
		else if (value != null) {
			value = URL_USER_INFO.matcher(value).replaceAll("$1******@");
		}
		return new ConcurrencySetting(setting.group(), setting.name(), value, setting.source());
	}

	private static List<Map<String, Object>> resources(Signals signals) {
		List<Map<String, Object>> resources = new ArrayList<>();
		for (PoolSignal pool : signals.pools()) {
			resources.add(resource(pool.type() + "-pool", pool.name(), pool.max(), pool.acquired(), pool.pending(),
					pool.headroom()));
		}
		for (GateSnapshot gate : signals.gates()) {
			Integer capacity = (gate.limit() >= 0) ? gate.limit() : null;
			Integer headroom = (capacity != null) ? Math.max(0, capacity - gate.inFlight()) : null;
			Map<String, Object> resource = resource(gate.kind(), gate.name(), capacity, gate.inFlight(),
					gate.queued(), headroom);
			resource.put("admitted", gate.admitted());
			resource.put("rejected", gate.rejected());
			resources.add(resource);
		}
		return resources;
	}

	private static Map<String, Object> resource(String type, String name, Integer capacity, int inUse, int waiting,
			Integer headroom) {
		Map<String, Object> resource = new LinkedHashMap<>();
		resource.put("type", type);
		resource.put("name", name);
		resource.put("capacity", capacity);
		resource.put("inUse", inUse);
		resource.put("waiting", waiting);
		resource.put("headroom", headroom);
		return resource;
	}

	private static List<Map<String, Object>> eventLoops(Signals signals) {
		List<Map<String, Object>> loops = new ArrayList<>();
		for (EventLoopSignal loop : signals.eventLoops()) {
			Map<String, Object> entry = new LinkedHashMap<>();
			entry.put("name", loop.name());
			entry.put("lagP99Ms", loop.lagP99Millis());
			entry.put("lagMaxMs", loop.lagMaxMillis());
			entry.put("pendingTasks", loop.pendingTasks());
			entry.put("stalls", loop.stalls());
			loops.add(entry);
		}
		return loops;
	}

}

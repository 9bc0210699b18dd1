package dev.fluxgate.doctor;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One diagnosis: what is wrong, the measurements that show it, and what to change.
 *
 * @param id a stable identifier, such as {@code pool.exhausted}
 * @param category what it is about; findings are ordered by category first
 * @param severity how urgent it is
 * @param resource the pool, gate or loop concerned, such as {@code r2dbc/connectionFactory}
 * @param summary one sentence saying what is wrong
 * @param evidence meter names (with tags) and their values
 * @param advice what to change, naming the property and the direction
 */
public record Finding(String id, Category category, Severity severity, String resource, String summary,
		Map<String, Object> evidence, String advice) {

	/** Troubleshooting order: category, then severity, then id and resource for a stable output. */
	public static final Comparator<Finding> TROUBLESHOOTING_ORDER = Comparator.comparing(Finding::category)
		.thenComparing(Finding::severity)
		.thenComparing(Finding::id)
		.thenComparing(Finding::resource);

	public Finding {
		evidence = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(evidence));
	}

}

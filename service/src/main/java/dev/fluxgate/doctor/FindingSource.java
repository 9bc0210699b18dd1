package dev.fluxgate.doctor;

import java.util.List;

/**
 * Findings of a feature the built-in rules do not know, such as durable job queues. The doctor merges them into its
 * diagnosis in troubleshooting order. Like sampling, it reads in-memory state only: it is called while the doctor
 * answers.
 */
@FunctionalInterface
public interface FindingSource {

	/**
	 * The findings now.
	 * @return the findings, possibly none
	 */
	List<Finding> findings();

}

package dev.fluxgate.autoconfigure.doctor;

import java.util.List;

/**
 * Whether the application is saturated in a sustained way, and why.
 *
 * @param saturated whether any resource stayed saturated for the whole window
 * @param reasons one sentence per saturated resource
 */
public record SaturationVerdict(boolean saturated, List<String> reasons) {

	public SaturationVerdict {
		reasons = List.copyOf(reasons);
	}

}

package dev.fluxgate.autoconfigure.eventloop;

import dev.fluxgate.autoconfigure.validation.InvalidPropertyException;
import dev.fluxgate.eventloop.BlockingDetection;
import dev.fluxgate.eventloop.BlockingDetectionMode;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Detection of blocking calls on event loops with BlockHound.
 */
@ConfigurationProperties("fluxgate.blocking-detection")
public class FluxgateBlockingDetectionProperties implements InitializingBean {

	/**
	 * off, warn (log each offending call site once with its stack and count fluxgate.blocking.calls) or strict (the
	 * blocking call fails; for tests). Needs io.projectreactor.tools:blockhound on the classpath and, on JDK 13+,
	 * -XX:+AllowRedefinitionToAddDeleteMethods. Off by default: BlockHound instruments JDK classes, a decision for the
	 * application to make.
	 */
	private BlockingDetectionMode mode = BlockingDetectionMode.OFF;

	public BlockingDetectionMode getMode() {
		return this.mode;
	}

	public void setMode(BlockingDetectionMode mode) {
		this.mode = mode;
	}

	@Override
	public void afterPropertiesSet() {
		if (this.mode != BlockingDetectionMode.OFF && !BlockingDetection.isAvailable()) {
			throw new InvalidPropertyException("fluxgate.blocking-detection.mode", this.mode.name().toLowerCase(),
					"off unless io.projectreactor.tools:blockhound is on the classpath");
		}
	}

}

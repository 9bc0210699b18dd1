package dev.fluxgate.bench.limits;

import com.netflix.concurrency.limits.Limit;
import com.netflix.concurrency.limits.limit.Gradient2Limit;
import com.netflix.concurrency.limits.limit.VegasLimit;
import dev.fluxgate.autoconfigure.server.FluxgateServerAutoConfiguration;
import dev.fluxgate.gate.GateRegistry;
import dev.fluxgate.server.LoadShedder;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * With {@code bench.limit=gradient2} or {@code vegas}, the server's {@link LoadShedder} enforces Netflix's
 * {@link Gradient2Limit} or {@link VegasLimit} instead of Fluxgate's own limit. Fluxgate's shedder bean backs off
 * for a user-defined one, so everything else (the WebFilter, 503 + Retry-After, the gate's meters and the doctor)
 * stays Fluxgate's: only the algorithm differs. Each algorithm keeps Netflix's defaults except its maximum, which is
 * Fluxgate's ceiling ({@code fluxgate.server.concurrency.limit}), as for Fluxgate's adaptive mode.
 */
@AutoConfiguration(before = FluxgateServerAutoConfiguration.class)
@ConditionalOnProperty("bench.limit")
public class NetflixLimitAutoConfiguration {

	@Bean
	LoadShedder benchNetflixLoadShedder(Environment environment, ObjectProvider<GateRegistry> gateRegistry,
			ObjectProvider<MeterRegistry> meterRegistry) {
		int ceiling = environment.getProperty("fluxgate.server.concurrency.limit", Integer.class, 1000);
		String algorithm = environment.getRequiredProperty("bench.limit");
		Limit limit = switch (algorithm) {
			case "gradient2" -> Gradient2Limit.newBuilder().maxConcurrency(ceiling).build();
			case "vegas" -> VegasLimit.newBuilder().maxConcurrency(ceiling).build();
			default -> throw new IllegalArgumentException("bench.limit must be gradient2 or vegas, was " + algorithm);
		};
		GateRegistry registry = gateRegistry.getIfAvailable();
		MeterRegistry meters = meterRegistry.getIfAvailable();
		LoadShedder shedder = new LoadShedder(FluxgateServerAutoConfiguration.GATE_NAME, new NetflixLimit(limit),
				environment.getProperty("fluxgate.server.concurrency.shadow", Boolean.class, false), meters);
		return (registry != null) ? registry.register(shedder) : shedder;
	}

}

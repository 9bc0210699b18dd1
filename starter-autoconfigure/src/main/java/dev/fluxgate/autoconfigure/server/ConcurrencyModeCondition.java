package dev.fluxgate.autoconfigure.server;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches unless {@code fluxgate.server.concurrency.mode=off}, read with Boot's relaxed enum binding.
 */
class ConcurrencyModeCondition extends SpringBootCondition {

	private static final String PROPERTY = "fluxgate.server.concurrency.mode";

	@Override
	public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
		FluxgateServerProperties.Concurrency.Mode mode;
		try {
			mode = Binder.get(context.getEnvironment())
				.bind(PROPERTY, FluxgateServerProperties.Concurrency.Mode.class)
				.orElse(FluxgateServerProperties.Concurrency.Mode.FIXED);
		}
		catch (BindException ex) {
			// Let the properties binding report the bad value (with Boot's failure analysis naming property and value).
			return ConditionOutcome.match(PROPERTY + " is not a valid mode");
		}
		return (mode != FluxgateServerProperties.Concurrency.Mode.OFF)
				? ConditionOutcome.match(PROPERTY + " is " + mode)
				: ConditionOutcome.noMatch(PROPERTY + " is off");
	}

}

package dev.fluxgate.autoconfigure.ratelimit;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.ConfigurationPropertyState;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when at least one {@code fluxgate.rate-limit.policies.<name>.*} property is set, in any of Boot's relaxed
 * forms: without a policy the rate-limit filter would only add a filter and its chain hop to every request.
 */
class OnRateLimitPoliciesCondition extends SpringBootCondition {

	private static final ConfigurationPropertyName POLICIES = ConfigurationPropertyName
		.of("fluxgate.rate-limit.policies");

	@Override
	public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
		for (ConfigurationPropertySource source : ConfigurationPropertySources.get(context.getEnvironment())) {
			ConfigurationPropertyState state = source.containsDescendantOf(POLICIES);
			if (state == ConfigurationPropertyState.PRESENT) {
				return ConditionOutcome.match("a rate-limit policy is configured in " + source);
			}
			if (state == ConfigurationPropertyState.UNKNOWN) {
				// a source that cannot list its names: install the filter, which costs little, rather than miss a policy
				return ConditionOutcome.match("the property source " + source + " may hold a rate-limit policy");
			}
		}
		return ConditionOutcome.noMatch("no fluxgate.rate-limit.policies.* property is set");
	}

}

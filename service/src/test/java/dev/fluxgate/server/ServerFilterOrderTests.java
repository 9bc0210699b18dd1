package dev.fluxgate.server;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.fluxgate.background.BackgroundTasks;
import dev.fluxgate.background.BackgroundTasksSettings;
import dev.fluxgate.background.BackgroundTasksWebFilter;
import dev.fluxgate.deadline.DeadlineSettings;
import dev.fluxgate.deadline.RequestDeadlineWebFilter;
import dev.fluxgate.limit.ConcurrencyLimit;
import dev.fluxgate.offload.OffloadWebFilter;
import dev.fluxgate.ratelimit.LocalRateLimitBackend;
import dev.fluxgate.ratelimit.RateLimitWebFilter;
import org.junit.jupiter.api.Test;

import org.springframework.core.Ordered;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every Fluxgate filter takes its order from {@link ServerFilterOrder}, the orders are distinct, and they are
 * positioned as the class documents: outermost first, around Spring Security's {@code WebFilterChainProxy}.
 */
class ServerFilterOrderTests {

	@Test
	void ordersAreDistinctAndInTheDocumentedSequence() throws IllegalAccessException {
		List<Integer> declared = new ArrayList<>();
		for (Field field : ServerFilterOrder.class.getDeclaredFields()) {
			if (Modifier.isStatic(field.getModifiers()) && field.getType() == int.class) {
				declared.add(field.getInt(null));
			}
		}
		assertThat(declared).doesNotHaveDuplicates()
			.containsExactlyInAnyOrder(ServerFilterOrder.OFFLOAD, ServerFilterOrder.BACKGROUND, ServerFilterOrder.DEADLINE,
					ServerFilterOrder.SHEDDING, ServerFilterOrder.SPRING_SECURITY, ServerFilterOrder.RATE_LIMIT,
					ServerFilterOrder.RATE_LIMIT_AFTER_SECURITY);
		assertThat(List.of(ServerFilterOrder.OFFLOAD, ServerFilterOrder.BACKGROUND, ServerFilterOrder.DEADLINE,
				ServerFilterOrder.SHEDDING, ServerFilterOrder.RATE_LIMIT, ServerFilterOrder.SPRING_SECURITY,
				ServerFilterOrder.RATE_LIMIT_AFTER_SECURITY))
			.isSorted()
			.doesNotHaveDuplicates();
		assertThat(ServerFilterOrder.OFFLOAD).isEqualTo(Ordered.HIGHEST_PRECEDENCE);
		// Spring Security's WebFilterChainProxy, and Boot's hidden-method filter (-10000): never tied with either
		assertThat(ServerFilterOrder.SPRING_SECURITY).isEqualTo(-100);
		assertThat(ServerFilterOrder.SHEDDING).isLessThan(-10000);
	}

	@Test
	void everyFilterTakesItsOrderFromTheOneClass() {
		assertThat(new OffloadWebFilter().getOrder()).isEqualTo(ServerFilterOrder.OFFLOAD);
		BackgroundTasks tasks = new BackgroundTasks(new BackgroundTasksSettings(1, 1, Duration.ofSeconds(1)), null);
		try {
			assertThat(new BackgroundTasksWebFilter(tasks).getOrder()).isEqualTo(ServerFilterOrder.BACKGROUND);
		}
		finally {
			tasks.shutdown(Duration.ZERO);
		}
		assertThat(new RequestDeadlineWebFilter(new DeadlineSettings(Duration.ofSeconds(1), null, false, List.of()),
				null)
			.getOrder()).isEqualTo(ServerFilterOrder.DEADLINE);
		assertThat(new LoadSheddingWebFilter(new LoadShedder("server", ConcurrencyLimit.fixed(1), false, null),
				Duration.ofSeconds(1), List.of())
			.getOrder()).isEqualTo(ServerFilterOrder.SHEDDING);
		assertThat(new RateLimitWebFilter(List.of(), new LocalRateLimitBackend(), ServerFilterOrder.RATE_LIMIT)
			.getOrder()).isEqualTo(ServerFilterOrder.RATE_LIMIT);
	}

}

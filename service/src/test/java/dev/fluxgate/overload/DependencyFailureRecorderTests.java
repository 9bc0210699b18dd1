package dev.fluxgate.overload;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every failure is counted; the log gets one WARN line per kind per interval, without a stack trace, with the number
 * of failures it did not log.
 */
class DependencyFailureRecorderTests {

	private final Logger logger = (Logger) LoggerFactory.getLogger(DependencyFailureRecorder.class);

	private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final AtomicLong now = new AtomicLong(42);

	private final DependencyFailureRecorder recorder = new DependencyFailureRecorder(this.registry, this.now::get);

	DependencyFailureRecorderTests() {
		this.appender.start();
		this.logger.addAppender(this.appender);
	}

	@AfterEach
	void detach() {
		this.logger.detachAppender(this.appender);
	}

	@Test
	void oneWarningPerKindPerIntervalThenOneWithTheCountOfTheRest() {
		RuntimeException cause = new RuntimeException("statement timeout.");
		for (int i = 0; i < 5; i++) {
			record(DependencyFailure.DB_STATEMENT_TIMEOUT, cause);
		}
		record(DependencyFailure.REDIS_UNAVAILABLE, cause);
		this.now.addAndGet(DependencyFailureRecorder.LOG_INTERVAL.minusMillis(1).toNanos());
		record(DependencyFailure.DB_STATEMENT_TIMEOUT, cause);
		assertThat(warnings()).hasSize(2);

		this.now.addAndGet(Duration.ofMillis(1).toNanos());
		record(DependencyFailure.DB_STATEMENT_TIMEOUT, cause);

		List<String> lines = warnings().stream().map(ILoggingEvent::getFormattedMessage).toList();
		assertThat(lines).hasSize(3);
		assertThat(lines.get(0)).startsWith("504 db-statement-timeout for GET /orders/42: java.lang.RuntimeException: "
				+ "statement timeout. Counted in fluxgate.server.dependency.failures{reason=db-statement-timeout}")
			.doesNotContain("more since");
		assertThat(lines.get(1)).startsWith("503 redis-unavailable");
		assertThat(lines.get(2)).contains("(and 5 more since the last report)");
		assertThat(warnings()).allSatisfy((warning) -> assertThat(warning.getThrowableProxy()).isNull());
		assertThat(this.registry.get(OverloadExceptionHandler.DEPENDENCY_FAILURES_METER)
			.tag("reason", "db-statement-timeout")
			.counter()
			.count()).isEqualTo(7);
		// Registered up front: every reason has a baseline of 0.
		assertThat(this.registry.get(OverloadExceptionHandler.DEPENDENCY_FAILURES_METER)
			.tag("reason", "dependency-timeout")
			.counter()
			.count()).isZero();
	}

	@Test
	void logLinesStayOnOneShortLine() {
		record(DependencyFailure.DEPENDENCY_TIMEOUT, new RuntimeException("line one\nline two " + "x".repeat(500)));

		assertThat(warnings()).singleElement()
			.satisfies((warning) -> assertThat(warning.getFormattedMessage()).doesNotContain("\n")
				.contains("line one line two")
				.hasSizeLessThan(500));
	}

	private void record(DependencyFailure failure, Throwable ex) {
		this.recorder.record(failure, ex, ex, "GET /orders/42");
	}

	private List<ILoggingEvent> warnings() {
		return this.appender.list.stream().filter((event) -> event.getLevel() == Level.WARN).toList();
	}

}

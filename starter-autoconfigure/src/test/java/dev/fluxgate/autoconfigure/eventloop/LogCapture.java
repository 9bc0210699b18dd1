package dev.fluxgate.autoconfigure.eventloop;

import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

/**
 * Captures what one logger writes, attached after Boot's logging system has initialised.
 */
final class LogCapture implements AutoCloseable {

	private final Logger logger;

	private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

	LogCapture(Class<?> source) {
		this.logger = (Logger) LoggerFactory.getLogger(source);
		this.appender.start();
		this.logger.addAppender(this.appender);
	}

	List<ILoggingEvent> warnings() {
		synchronized (this.appender) {
			return this.appender.list.stream().filter((event) -> event.getLevel() == Level.WARN).toList();
		}
	}

	static String stackOf(ILoggingEvent event) {
		StringBuilder stack = new StringBuilder();
		for (IThrowableProxy proxy = event.getThrowableProxy(); proxy != null; proxy = proxy.getCause()) {
			stack.append(proxy.getClassName()).append(": ").append(proxy.getMessage()).append('\n');
			for (StackTraceElementProxy frame : proxy.getStackTraceElementProxyArray()) {
				stack.append('\t').append(frame.getSTEAsString()).append('\n');
			}
		}
		return stack.toString();
	}

	@Override
	public void close() {
		this.logger.detachAppender(this.appender);
	}

}

package dev.fluxgate.test;

import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

/**
 * Captures what one logger (and its children) writes, attached after Boot's logging system has initialised (Boot
 * resets appenders when it starts).
 */
public final class LogCapture implements AutoCloseable {

	private final Logger logger;

	private final Level previousLevel;

	private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

	/**
	 * Capture the logger of a class.
	 * @param source the class
	 */
	public LogCapture(Class<?> source) {
		this(source.getName(), null);
	}

	/**
	 * Capture a logger, optionally lowering its level for the time of the capture.
	 * @param name the logger name
	 * @param level the level to capture from, {@code null} to keep the configured one
	 */
	public LogCapture(String name, Level level) {
		this.logger = (Logger) LoggerFactory.getLogger(name);
		this.previousLevel = this.logger.getLevel();
		if (level != null) {
			this.logger.setLevel(level);
		}
		this.appender.start();
		this.logger.addAppender(this.appender);
	}

	/**
	 * Everything captured so far.
	 * @return the events, oldest first
	 */
	public List<ILoggingEvent> events() {
		synchronized (this.appender) {
			return List.copyOf(this.appender.list);
		}
	}

	/**
	 * The events of one level.
	 * @param level the level
	 * @return the events, oldest first
	 */
	public List<ILoggingEvent> at(Level level) {
		return events().stream().filter((event) -> event.getLevel() == level).toList();
	}

	/**
	 * The WARN events.
	 * @return the events, oldest first
	 */
	public List<ILoggingEvent> warnings() {
		return at(Level.WARN);
	}

	/**
	 * The formatted messages of one level.
	 * @param level the level
	 * @return the messages, oldest first
	 */
	public List<String> messages(Level level) {
		return at(level).stream().map(ILoggingEvent::getFormattedMessage).toList();
	}

	/**
	 * The stack trace logged with an event, as text.
	 * @param event the event
	 * @return the exception chain and frames, empty when none was logged
	 */
	public static String stackOf(ILoggingEvent event) {
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
		this.logger.setLevel(this.previousLevel);
	}

}

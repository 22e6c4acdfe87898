package dev.sinklora.testing;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Collects the WARN (and worse) lines the project logs while open: for tests of warnings. */
public final class LogCapture implements AutoCloseable {

    private static final String LOGGER = "dev.sinklora";
    private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    private final AbstractAppender appender;
    private final LoggerContext context;

    private LogCapture() {
        context = (LoggerContext) LogManager.getContext(false);
        appender = new AbstractAppender("capture-" + System.nanoTime(), null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent e) {
                lines.add(e.getLevel() + " " + e.getMessage().getFormattedMessage());
            }
        };
        appender.start();
        context.getConfiguration().getLoggerConfig(LOGGER).addAppender(appender, Level.WARN, null);
        context.updateLoggers();
    }

    public static LogCapture start() {
        return new LogCapture();
    }

    /** The lines so far, as "LEVEL message". */
    public List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    @Override
    public void close() {
        context.getConfiguration().getLoggerConfig(LOGGER).removeAppender(appender.getName());
        context.updateLoggers();
        appender.stop();
    }
}

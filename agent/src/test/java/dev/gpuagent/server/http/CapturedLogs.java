package dev.gpuagent.server.http;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Captures one logger's events (and keeps them out of the build log) while open. */
final class CapturedLogs implements AutoCloseable {
  private final Logger logger;
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final Level previousLevel;

  CapturedLogs(Class<?> owner) {
    logger = (Logger) LoggerFactory.getLogger(owner);
    previousLevel = logger.getLevel();
    appender.start();
    logger.addAppender(appender);
    logger.setAdditive(false);
    logger.setLevel(Level.DEBUG);
  }

  /** Each event's formatted message plus its exception's class and message, if any. */
  synchronized List<String> lines() {
    return appender.list.stream()
        .map(e -> e.getLevel() + " " + e.getFormattedMessage()
            + (e.getThrowableProxy() == null ? "" : " | " + e.getThrowableProxy().getClassName()
                + ": " + e.getThrowableProxy().getMessage()))
        .toList();
  }

  String all() {
    return String.join("\n", lines());
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    logger.setAdditive(true);
    logger.setLevel(previousLevel);
  }
}

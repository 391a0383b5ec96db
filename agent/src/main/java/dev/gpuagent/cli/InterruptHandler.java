package dev.gpuagent.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ctrl-C (SIGINT) handled by the command instead of ending the JVM, for as long as it is installed:
 * {@code submit --wait} asks whether to cancel the run rather than exit. A shutdown hook cannot do
 * that (the JVM exits once the hooks return), so this uses {@code sun.misc.Signal}, the JDK's
 * supported-but-unexported signal API (module jdk.unsupported). Each signal runs {@code action} on a
 * thread of its own, so an action may block (on a question) and a second Ctrl-C still arrives.
 * Where the signal cannot be taken (the JVM runs with {@code -Xrs}), a shutdown hook runs
 * {@code atExit} instead before the JVM exits (nothing can be asked then).
 */
final class InterruptHandler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(InterruptHandler.class);
  private static final sun.misc.Signal INT = new sun.misc.Signal("INT");

  private final sun.misc.SignalHandler previous;
  private final Thread hook;

  private InterruptHandler(sun.misc.SignalHandler previous, Thread hook) {
    this.previous = previous;
    this.hook = hook;
  }

  static InterruptHandler install(Runnable action, Runnable atExit) {
    try {
      return new InterruptHandler(sun.misc.Signal.handle(INT, signal -> action.run()), null);
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      LOG.debug("SIGINT cannot be handled ({}); a shutdown hook acts on Ctrl-C instead", e.getMessage());
      Thread hook = new Thread(atExit, "gpu-agent-interrupt");
      Runtime.getRuntime().addShutdownHook(hook);
      return new InterruptHandler(null, hook);
    }
  }

  @Override
  public void close() {
    if (previous != null) {
      sun.misc.Signal.handle(INT, previous);
    }
    if (hook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running: nothing to undo
      }
    }
  }
}

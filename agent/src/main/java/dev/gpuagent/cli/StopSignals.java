package dev.gpuagent.cli;

import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT as a drain: the first asks for a graceful stop, the second for a forced one
 * (docs/protocol.md section 14, Buildkite's model). Installing a handler replaces the JVM's own, so
 * these signals no longer start the shutdown hooks: the command decides when and how to exit.
 */
final class StopSignals {
  private static final Logger LOG = LoggerFactory.getLogger(StopSignals.class);

  private StopSignals() {}

  /** Calls {@code graceful} on the first signal and {@code forced} on the second, each on a new thread. */
  static void install(Runnable graceful, Runnable forced) {
    AtomicInteger received = new AtomicInteger();
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        Signal.handle(new Signal(name), signal -> {
          int n = received.incrementAndGet();
          Runnable action = n == 1 ? graceful : n == 2 ? forced : null;
          if (action != null) {
            LOG.info("SIG{}: {}", signal.getName(), n == 1 ? "draining (send it again to stop at once)" : "stopping now");
            Thread thread = new Thread(action, "stop-signal-" + n);
            thread.setDaemon(true);
            thread.start();
          }
        });
      } catch (IllegalArgumentException e) {
        LOG.debug("cannot handle SIG{}: {}", name, e.getMessage());
      }
    }
  }
}

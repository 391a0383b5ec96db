package dev.gpuagent.cli;

import dev.gpuagent.engine.RunEvent;
import dev.gpuagent.engine.RunListener;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Shows a run's progress: a redrawn bar with the live status on a terminal, plain lines otherwise
 * (logs, CI, pipes), so that captured output stays readable.
 */
final class ProgressPrinter implements RunListener {
  private static final int BAR = 30;
  /** Redraw at most this often on a terminal; a fast graph would otherwise spend its time printing. */
  private static final long REDRAW_NANOS = 50_000_000L;

  private final PrintStream out;
  private final boolean terminal;
  private String status = "";
  private long lastDraw;
  private int lastWidth;

  ProgressPrinter(PrintStream out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  static boolean stdoutIsTerminal() {
    var console = System.console();
    return console != null && console.isTerminal();
  }

  @Override
  public void on(RunEvent event) {
    switch (event) {
      case RunEvent.LiveStatus s -> status = s.text();
      case RunEvent.Progress p -> {
        if (terminal) {
          draw(p.value(), p.steps() > 0 ? " step " + p.step() + "/" + p.steps() : "", p.value() >= 1.0);
        }
      }
      case RunEvent.NodeStarted n -> {
        if (!terminal) {
          out.printf("[%d/%d] %s (node %s)%n", n.index() + 1, n.total(), n.classType(), n.nodeId());
        }
      }
      case RunEvent.NodeFailed f -> {
        if (terminal) {
          out.println();
        }
      }
      case RunEvent.RunFinished f -> {
        if (terminal && lastWidth > 0) {
          out.print("\r" + " ".repeat(lastWidth) + "\r");
        }
        out.flush();
      }
      default -> {}
    }
  }

  private void draw(double value, String step, boolean force) {
    long now = System.nanoTime();
    if (!force && now - lastDraw < REDRAW_NANOS) {
      return;
    }
    lastDraw = now;
    int filled = (int) Math.round(Math.max(0, Math.min(1, value)) * BAR);
    String line = String.format(Locale.ROOT, "[%s%s] %3d%% %s%s", "#".repeat(filled), ".".repeat(BAR - filled),
        Math.round(value * 100), status, step);
    String padded = line.length() < lastWidth ? line + " ".repeat(lastWidth - line.length()) : line;
    lastWidth = line.length();
    out.print("\r" + padded);
    out.flush();
  }
}

package dev.gpuagent.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpuagent.engine.RunEvent;
import dev.gpuagent.engine.RunStatus;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Objects;

/**
 * Shows the run records {@code submit --wait} polls: on a terminal, {@link ProgressPrinter}'s redrawn
 * bar with the live status (the record's {@code progress} and {@code live_status} become its events);
 * elsewhere one plain line each time the status or the live status changes.
 */
final class RunRecordPrinter {
  private final PrintStream out;
  private final boolean terminal;
  private final ProgressPrinter bar;
  private String lastLine;

  RunRecordPrinter(PrintStream out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
    this.bar = new ProgressPrinter(out, terminal);
  }

  void show(JsonNode run) {
    String status = run.path("status").asText();
    String live = run.path("live_status").asText("");
    String text = live.isBlank() ? status : live;
    double progress = run.path("progress").asDouble(0);
    if (terminal) {
      bar.on(new RunEvent.LiveStatus(status.equals("queued") || status.equals("not-started") ? status : text));
      bar.on(new RunEvent.Progress(progress, null, 0, 0));
      return;
    }
    String line = live.isBlank() || live.equals(status) ? status
        : String.format(Locale.ROOT, "%s %3d%% %s", status, Math.round(progress * 100), live);
    if (!Objects.equals(line, lastLine)) {
      out.println(line);
      out.flush();
      lastLine = line;
    }
  }

  /** A line is about to be printed under the bar (a question, the result): leave the bar's line. */
  void breakLine() {
    if (terminal) {
      out.println();
      out.flush();
    }
  }

  /** The run ended: clears the bar's line on a terminal. */
  void finished() {
    bar.on(new RunEvent.RunFinished(RunStatus.SUCCESS, null, null, null, 0));
  }
}

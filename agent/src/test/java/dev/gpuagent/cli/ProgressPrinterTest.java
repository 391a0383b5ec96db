package dev.gpuagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gpuagent.engine.RunEvent;
import dev.gpuagent.engine.RunStatus;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressPrinterTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  @Test
  void plainModePrintsOneLinePerNode() {
    ProgressPrinter printer = new ProgressPrinter(out, false);
    printer.on(new RunEvent.NodeStarted("5", "ImageBlur", 2, 7));
    printer.on(new RunEvent.Progress(0.3, "5", 1, 10));
    assertEquals("[3/7] ImageBlur (node 5)\n", bytes.toString(StandardCharsets.UTF_8).replace("\r\n", "\n"));
  }

  @Test
  void terminalModeRedrawsABarWithTheLiveStatusAndStep() {
    ProgressPrinter printer = new ProgressPrinter(out, true);
    printer.on(new RunEvent.LiveStatus("Executing Smooth (4/5)"));
    printer.on(new RunEvent.Progress(1.0, "4", 20, 20));
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertEquals("\r[##############################] 100% Executing Smooth (4/5) step 20/20", text);
    printer.on(new RunEvent.RunFinished(RunStatus.SUCCESS, null, null, null, 1));
    assertTrue(bytes.toString(StandardCharsets.UTF_8).endsWith("\r"), "the bar is cleared at the end");
  }
}

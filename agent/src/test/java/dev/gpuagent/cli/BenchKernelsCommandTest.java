package dev.gpuagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gpuagent.gpu.CudaBackend;
import dev.gpuagent.gpu.GpuUnavailableException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code bench kernels} without a usable GPU: says why and exits 3 (runs where there is no GPU). */
class BenchKernelsCommandTest {
  @Test
  void withoutAGpuItSaysWhyAndExitsThree() {
    org.junit.jupiter.api.Assumptions.assumeFalse(gpuUsable(), "a usable GPU is present");
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = Main.commandLine().execute("bench", "kernels");
    } finally {
      System.setErr(err);
    }
    assertEquals(3, code);
    String text = captured.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("no usable GPU"), text);
  }

  @Test
  void kernelsIsABenchSubcommand() {
    assertTrue(Main.commandLine().getSubcommands().get("bench").getSubcommands().containsKey("kernels"));
  }

  private static boolean gpuUsable() {
    try (CudaBackend backend = CudaBackend.open(0)) {
      return backend != null;
    } catch (GpuUnavailableException | LinkageError e) {
      return false;
    }
  }
}

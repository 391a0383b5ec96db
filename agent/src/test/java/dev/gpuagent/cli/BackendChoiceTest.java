package dev.gpuagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.gpuagent.gpu.CudaProbe;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code run --backend auto|cpu|cuda} on this machine. */
class BackendChoiceTest {
  private static final String WORKFLOW = """
      {"1": {"class_type": "EmptyImage", "inputs": {"width": 6, "height": 4, "batch_size": 1, "color": 255}},
       "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "b"}}}""";

  @TempDir Path dir;

  @Test
  void cudaWithoutAUsableGpuExitsThreeWithTheReason() throws Exception {
    var probe = CudaProbe.availability();
    assumeFalse(probe.available(), "skipped: this machine has a usable GPU");
    Path wf = CliProcess.write(dir, "wf.json", WORKFLOW);
    var result = CliProcess.run(dir, "run", wf.toString(), "--backend", "cuda", "--output-dir", "out");
    assertEquals(3, result.exitCode(), result.stderr());
    assertTrue(result.stderr().contains("no usable GPU: " + probe.reason()), result.stderr());
  }

  @Test
  void cudaOnADeviceThatDoesNotExistExitsThree() throws Exception {
    Path wf = CliProcess.write(dir, "wf.json", WORKFLOW);
    var result = CliProcess.run(dir, "run", wf.toString(), "--backend", "cuda", "--device", "99",
        "--output-dir", "out");
    assertEquals(3, result.exitCode(), result.stderr());
    assertTrue(result.stderr().contains("no usable GPU"), result.stderr());
  }

  @Test
  void autoWithoutAUsableGpuRunsOnTheCpuAndSaysWhy() throws Exception {
    var probe = CudaProbe.availability();
    assumeFalse(probe.available(), "skipped: this machine has a usable GPU");
    Path wf = CliProcess.write(dir, "wf.json", WORKFLOW);
    // The child runs on the test classpath, whose logback-test.xml logs errors only unless told otherwise.
    var result = CliProcess.run(dir, List.of("-DGPU_AGENT_TEST_LOG_LEVEL=WARN"), "run", wf.toString(),
        "--output-dir", "out");
    assertEquals(0, result.exitCode(), result.stderr());
    assertTrue(result.stderr().contains("no usable GPU (" + probe.reason() + "); running on the CPU"),
        result.stderr());
    assertTrue(dir.resolve("out/b_00001_.png").toFile().isFile());
  }

  @Test
  void cpuNeverLoadsJCudaOrProbes() throws Exception {
    Path wf = CliProcess.write(dir, "wf.json", WORKFLOW);
    var result = CliProcess.run(dir, List.of("-verbose:class"), "run", wf.toString(), "--backend", "cpu",
        "--output-dir", "out");
    assertEquals(0, result.exitCode(), result.stderr());
    List<String> loaded = result.stdout().lines().filter(l -> l.contains("[class,load]")).toList();
    assertTrue(loaded.stream().anyMatch(l -> l.contains("dev.gpuagent.cpu.CpuBackend ")),
        "the class log works: CpuBackend is in it");
    assertFalse(loaded.stream().anyMatch(l -> l.contains(" jcuda.")), "JCuda classes were loaded");
    assertFalse(loaded.stream().anyMatch(l -> l.contains("dev.gpuagent.gpu.CudaProbe ")), "the probe ran");
    assertFalse(loaded.stream().anyMatch(l -> l.contains("dev.gpuagent.gpu.CudaBackend ")), "CudaBackend was loaded");
    assertTrue(dir.resolve("out/b_00001_.png").toFile().isFile());
  }
}

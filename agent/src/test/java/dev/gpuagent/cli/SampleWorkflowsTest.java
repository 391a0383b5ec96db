package dev.gpuagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every sample in config/workflows runs to success through the real command line. */
class SampleWorkflowsTest {
  @TempDir Path dir;

  static Stream<String> samples() throws Exception {
    try (var files = Files.list(CliProcess.REPO.resolve("config/workflows"))) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted().toList().stream();
    }
  }

  @ParameterizedTest
  @MethodSource("samples")
  void sampleRunsToSuccess(String name) throws Exception {
    var result = CliProcess.run(dir, "run", CliProcess.sample(name).toString(), "--output-dir", "out");
    assertEquals(0, result.exitCode(), name + ":\n" + result.stdout() + result.stderr());
    try (var outputs = Files.walk(dir.resolve("out"))) {
      assertFalse(outputs.filter(p -> p.toString().endsWith(".png")).toList().isEmpty(), name + " saved PNGs");
    }
    assertTrue(result.stdout().contains("success in"), result.stdout());
  }
}

package dev.gpuagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The operator files in config/ pass the real tools: {@code systemd-analyze verify} for the units and
 * {@code promtool check config} for the scrape config (installed by .ci/run; skipped, saying so,
 * where absent).
 */
class OperatorConfigTest {
  private static final Path CONFIG = CliProcess.REPO.resolve("config");

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"gpu-agent-server.service", "gpu-agent-worker.service"})
  void unitPassesSystemdAnalyzeVerify(String unit) throws Exception {
    assumeTrue(onPath("systemd-analyze"), "skipped: systemd-analyze is not installed");
    String text = Files.readString(CONFIG.resolve(unit));
    // verify checks that ExecStart's program exists; the install path does not exist here, so the
    // copy points at this JVM's java and every other directive is checked as written.
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    assertTrue(text.contains("ExecStart=/opt/gpu-agent/jre/bin/java "), "ExecStart uses the documented install path");
    Path copy = dir.resolve(unit);
    Files.writeString(copy, text.replace("ExecStart=/opt/gpu-agent/jre/bin/java ", "ExecStart=" + java + " "));
    var result = run(List.of("systemd-analyze", "verify", "--man=no", copy.toString()));
    assertEquals(0, result.code(), result.output());
    assertTrue(result.output().isBlank(), "no warnings: " + result.output());
  }

  @Test
  void unitsHaveTheRequiredServiceSettings() throws Exception {
    for (String unit : List.of("gpu-agent-server.service", "gpu-agent-worker.service")) {
      String text = Files.readString(CONFIG.resolve(unit));
      for (String line : List.of("Type=notify", "KillSignal=SIGTERM", "KillMode=mixed", "Restart=on-failure",
          "SuccessExitStatus=143")) {
        assertTrue(text.lines().anyMatch(l -> l.equals(line)), unit + " has " + line);
      }
    }
    String worker = Files.readString(CONFIG.resolve("gpu-agent-worker.service"));
    assertTrue(worker.lines().noneMatch(l -> l.startsWith("PrivateDevices=yes")), "worker keeps /dev/nvidia*");
    for (String device : List.of("/dev/nvidiactl", "/dev/nvidia-uvm", "char-nvidia-frontend")) {
      assertTrue(worker.contains("DeviceAllow=" + device + " rw"), "worker allows " + device);
    }
  }

  @Test
  void benchE2eRunsTheWorkerWithTheUnitsJvmOptions() throws Exception {
    String unit = Files.readString(Path.of("..", "config", "gpu-agent-worker.service"));
    java.util.regex.Matcher env = java.util.regex.Pattern.compile("Environment=\"JAVA_OPTS=([^\"]*)\"").matcher(unit);
    java.util.regex.Matcher exec = java.util.regex.Pattern.compile("ExecStart=\\S+ \\$JAVA_OPTS (.*?) -jar ").matcher(unit);
    assertTrue(env.find() && exec.find(), "the unit sets JAVA_OPTS and passes it first in ExecStart");
    assertEquals(env.group(1) + " " + exec.group(1), BenchE2eCommand.WORKER_JVM,
        "bench e2e measures the worker's memory with the options the unit runs it with");
  }

  @Test
  void prometheusConfigPassesPromtool() throws Exception {
    assumeTrue(onPath("promtool"), "skipped: promtool is not installed");
    var result = run(List.of("promtool", "check", "config", CONFIG.resolve("prometheus.yml").toString()));
    assertEquals(0, result.code(), result.output());
  }

  private record Result(int code, String output) {}

  private static Result run(List<String> command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), String.join(" ", command) + " finished");
    return new Result(process.exitValue(), output);
  }

  private static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }
}

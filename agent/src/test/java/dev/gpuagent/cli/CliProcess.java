package dev.gpuagent.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code gpu-agent} as a real child process on the test classpath, so exit codes, signals and
 * the printed output are exactly what a user sees.
 */
final class CliProcess {
  /** The repository root (the tests run in agent/). */
  static final Path REPO = Path.of(System.getProperty("gpuagent.repo.root", "..")).toAbsolutePath().normalize();

  record Result(int exitCode, String stdout, String stderr) {}

  private CliProcess() {}

  static Process start(Path workDir, String... args) throws IOException {
    return start(workDir, List.of(), args);
  }

  /** With extra JVM options ({@code -verbose:class}, say) before the main class. */
  static Process start(Path workDir, List<String> jvmOptions, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("--enable-native-access=ALL-UNNAMED");
    command.add("-Xmx1g");
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile());
    builder.environment().put("GPU_AGENT_LOG_LEVEL", "WARN");
    return builder.start();
  }

  static Result run(Path workDir, String... args) throws Exception {
    return run(workDir, List.of(), args);
  }

  static Result run(Path workDir, List<String> jvmOptions, String... args) throws Exception {
    Process process = start(workDir, jvmOptions, args);
    process.getOutputStream().close();
    var out = process.getInputStream().readAllBytes();
    var err = process.getErrorStream().readAllBytes();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("gpu-agent " + String.join(" ", args) + " did not finish in 120 s");
    }
    return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
  }

  static Path sample(String name) {
    return REPO.resolve("config/workflows").resolve(name);
  }

  static Path write(Path dir, String name, String content) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, content);
    return file;
  }
}

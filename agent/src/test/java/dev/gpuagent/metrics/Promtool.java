package dev.gpuagent.metrics;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code promtool check metrics} on an exposition, when promtool is on PATH (CI installs
 * Debian's prometheus package; a developer machine may lack it: callers print the reason and skip).
 */
public final class Promtool {
  private Promtool() {}

  /** The promtool binary on PATH, or empty. */
  public static Optional<Path> find() {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(":")) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, "promtool");
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** The result of {@code promtool check metrics < exposition}. */
  public record Result(int exitCode, String output) {}

  public static Result check(Path promtool, String exposition) throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
    try (OutputStream stdin = process.getOutputStream()) {
      stdin.write(exposition.getBytes(StandardCharsets.UTF_8));
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IOException("promtool did not finish in 30 s");
    }
    return new Result(process.exitValue(), output);
  }
}

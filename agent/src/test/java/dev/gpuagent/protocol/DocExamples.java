package dev.gpuagent.protocol;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The message examples of docs/protocol.md: fenced blocks whose info string is
 * {@code json worker->server TYPE} or {@code json server->worker TYPE}.
 */
final class DocExamples {
  static final Path DOC = Path.of(System.getProperty("gpuagent.repo.root", ".."))
      .resolve("docs/protocol.md").toAbsolutePath().normalize();

  private static final Pattern BLOCK = Pattern.compile(
      "^```json (worker->server|server->worker) ([a-z_]+)\\s*\\n(.*?)^```\\s*$",
      Pattern.MULTILINE | Pattern.DOTALL);

  /** One example: who sends it, the type its fence names, the JSON, and the line it starts on. */
  record Example(boolean fromWorker, String type, String json, int line) {
    @Override
    public String toString() {
      return (fromWorker ? "worker->server " : "server->worker ") + type + " (docs/protocol.md:" + line + ")";
    }
  }

  private DocExamples() {}

  static List<Example> all() {
    String text;
    try {
      text = Files.readString(DOC);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + DOC, e);
    }
    List<Example> examples = new ArrayList<>();
    Matcher m = BLOCK.matcher(text);
    while (m.find()) {
      int line = (int) text.substring(0, m.start()).lines().count() + 1;
      examples.add(new Example(m.group(1).startsWith("worker"), m.group(2), m.group(3), line));
    }
    return examples;
  }
}

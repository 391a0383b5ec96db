package dev.gpuagent.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gpuagent.metrics.Metrics;
import dev.gpuagent.ops.NodeRegistry;
import dev.gpuagent.protocol.CancelReason;
import dev.gpuagent.protocol.ServerMessage;
import dev.gpuagent.server.ControlPlane;
import dev.gpuagent.server.ServerSettings;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code gpu-agent submit} against a real control plane on loopback, with a scripted worker
 * ({@link SubmitWorker}) that plays the runs: what the user sees printed and the exit code.
 */
class SubmitCommandTest {
  static final String QUICK = "5b3f8f0e-6a0c-4d8e-9a51-0c2f6e1d7a01";

  @TempDir Path dir;

  private ControlPlane server;
  private String key;
  private String token;
  private SubmitWorker worker;
  private final HttpClient http = HttpClient.newHttpClient();

  record Outcome(int code, String out, String err) {
    List<String> lines() {
      return out.lines().toList();
    }
  }

  @BeforeEach
  void start() {
    server = ControlPlane.start(new ServerSettings("127.0.0.1", 0, dir.resolve("data"),
        CliProcess.REPO.resolve("config/deployments"), "default", 1 << 20), Metrics.prometheus(),
        NodeRegistry.standard(), run -> { }, Clock.systemUTC());
    key = server.identity().createApiKey(server.organisation().id(), "test").plaintext();
    token = server.identity().createWorkerToken("worker").plaintext();
  }

  @AfterEach
  void stop() {
    if (worker != null) {
      worker.close();
    }
    server.close();
    http.close();
  }

  private String url() {
    return "http://127.0.0.1:" + server.port();
  }

  private Outcome submit(Map<String, String> env, String... args) {
    SubmitCommand command = new SubmitCommand();
    command.env = env;
    command.devKeyFile = dir.resolve("data/dev-api-key");
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = new CommandLine(command).execute(args);
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
    return new Outcome(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
  }

  private Outcome submit(String... args) {
    List<String> all = new java.util.ArrayList<>(List.of("--server", url(), "--api-key", key));
    all.addAll(List.of(args));
    return submit(Map.of(), all.toArray(String[]::new));
  }

  @Test
  void waitFollowsTheRunToSuccessAndPrintsItsOutputUrls() throws Exception {
    worker = SubmitWorker.connect(server.port(), token, SubmitWorker.Mode.SUCCEED);
    Outcome r = submit("--deployment", QUICK, "--inputs", "{\"width\": 64}", "--wait");
    assertEquals(0, r.code(), r.err());
    String runId = r.lines().getFirst();
    assertEquals(runId, UUID.fromString(runId).toString(), "the first line is the run id");
    String urlLine = r.lines().stream().filter(l -> l.contains("/outputs/")).findFirst().orElseThrow(
        () -> new AssertionError(r.out()));
    assertTrue(urlLine.startsWith(url() + "/outputs/" + runId + "/showcase_00001_.png?expires="), urlLine);
    assertTrue(urlLine.endsWith("  (node 10, SaveImage)"), urlLine);
    assertTrue(r.lines().getLast().matches("success in \\d+\\.\\d{3} s"), r.out());
    assertTrue(r.out().contains("queued") || r.out().contains("started") || r.out().contains("running"),
        "plain status lines without a terminal: " + r.out());
    // The printed link serves the uploaded file without a key.
    String link = urlLine.substring(0, urlLine.indexOf("  (node"));
    HttpResponse<byte[]> file = http.send(HttpRequest.newBuilder(URI.create(link)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, file.statusCode());
    assertArrayEquals(SubmitWorker.PNG, file.body());
    assertEquals(64, run(runId).at("/workflow_inputs/width").asInt());
  }

  @Test
  void withoutWaitItPrintsOnlyTheRunIdAndTheRunIsQueued() throws Exception {
    Outcome r = submit("--deployment", QUICK, "--gpu", "H100");
    assertEquals(0, r.code(), r.err());
    assertEquals(1, r.lines().size(), r.out());
    JsonNode run = run(r.lines().getFirst());
    assertEquals("queued", run.get("status").asText());
  }

  @Test
  void aFailedRunExitsOneWithTheNodeAndMessage() {
    worker = SubmitWorker.connect(server.port(), token, SubmitWorker.Mode.FAIL);
    Outcome r = submit("--deployment", QUICK, "--wait");
    assertEquals(1, r.code(), r.out() + r.err());
    String runId = r.lines().getFirst();
    assertTrue(r.err().contains("run " + runId + " failed at node 7 (ImageBlur) after "), r.err());
    assertTrue(r.err().strip().endsWith(": out of memory"), r.err());
  }

  @Test
  void badInputsPrintEach422ErrorWithItsLocationAndExitTwo() {
    Outcome r = submit("--deployment", QUICK, "--inputs", "{\"width\": \"wide\", \"nope\": 1}");
    assertEquals(2, r.code());
    assertEquals("", r.out(), "no run id: nothing was queued");
    List<String> lines = r.err().lines().toList();
    assertEquals("gpu-agent submit: 422", lines.getFirst(), r.err());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("  body.inputs.width: Run input has the wrong type: width:")),
        r.err());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("  body.inputs.nope: ")), r.err());
  }

  @Test
  void aMalformedDeploymentIdIsOne422Line() {
    Outcome r = submit("--deployment", "not-a-uuid");
    assertEquals(2, r.code());
    assertTrue(r.err().startsWith("gpu-agent submit: 422 body.deployment_id: "), r.err());
  }

  @Test
  void anUnknownDeploymentIs404AndExitTwo() {
    String missing = UUID.randomUUID().toString();
    Outcome r = submit("--deployment", missing);
    assertEquals(2, r.code());
    assertEquals("gpu-agent submit: 404 Deployment not found (deployment " + missing + ")", r.err().strip());
  }

  @Test
  void aBadKeyIs401WithAHint() {
    Outcome r = submit(Map.of(), "--server", url(), "--api-key", "gak_nope", "--deployment", QUICK);
    assertEquals(2, r.code());
    assertEquals("gpu-agent submit: 401 Invalid authentication credentials (check --api-key or GPU_AGENT_API_KEY)",
        r.err().strip());
  }

  @Test
  void serverAndKeyComeFromTheEnvironmentElseTheDevKeyFile() throws Exception {
    Outcome fromEnv = submit(Map.of("GPU_AGENT_SERVER", url(), "GPU_AGENT_API_KEY", key), "--deployment", QUICK);
    assertEquals(0, fromEnv.code(), fromEnv.err());
    Outcome none = submit(Map.of("GPU_AGENT_SERVER", url()), "--deployment", QUICK);
    assertEquals(2, none.code());
    assertTrue(none.err().contains("no API key: give --api-key, set GPU_AGENT_API_KEY"), none.err());
    Files.writeString(dir.resolve("data/dev-api-key"), key + "\n");
    Outcome devKey = submit(Map.of("GPU_AGENT_SERVER", url()), "--deployment", QUICK);
    assertEquals(0, devKey.code(), devKey.err());
    Map<String, String> flagWins = new HashMap<>(Map.of("GPU_AGENT_SERVER", "http://127.0.0.1:1"));
    assertEquals(0, submit(flagWins, "--server", url(), "--deployment", QUICK).code());
  }

  @Test
  void inputsMustBeAJsonObjectAndAnUnreachableServerIsExitTwo() throws Exception {
    Outcome notJson = submit("--deployment", QUICK, "--inputs", "{width");
    assertEquals(2, notJson.code());
    assertTrue(notJson.err().startsWith("gpu-agent submit: --inputs is not valid JSON"), notJson.err());
    Path file = Files.writeString(dir.resolve("inputs.json"), "[1]");
    Outcome array = submit("--deployment", QUICK, "--inputs", "@" + file);
    assertEquals("gpu-agent submit: --inputs must be a JSON object keyed by input_id", array.err().strip());
    Outcome down = submit(Map.of(), "--server", "http://127.0.0.1:1", "--api-key", key, "--deployment", QUICK);
    assertEquals(2, down.code());
    assertEquals("gpu-agent submit: cannot reach http://127.0.0.1:1: connection refused", down.err().strip());
  }

  /** A real child process without a terminal: SIGINT cancels the run it waits for and exits 130. */
  @Test
  void ctrlCWithoutATerminalCancelsTheRunAndExits130() throws Exception {
    worker = SubmitWorker.connect(server.port(), token, SubmitWorker.Mode.HOLD_UNTIL_CANCEL);
    Process child = CliProcess.start(dir, "submit", "--server", url(), "--api-key", key, "--deployment", QUICK,
        "--wait");
    try {
      child.getOutputStream().close();
      BufferedReader stdout = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      String runId = stdout.readLine();
      assertNotNull(runId, "the run id is printed");
      ServerMessage.Lease lease = worker.leases.poll(10, TimeUnit.SECONDS);
      assertNotNull(lease, "the worker got the run");
      assertEquals(runId, lease.runId());
      String line;
      while ((line = stdout.readLine()) != null && !line.contains("Executing ImageBlur")) {
        // until the child shows the running node: it is polling
      }
      assertNotNull(line, "the child showed the live status");
      new ProcessBuilder("kill", "-INT", Long.toString(child.pid())).start().waitFor();
      assertTrue(child.waitFor(20, TimeUnit.SECONDS), "exited after SIGINT");
      assertEquals(130, child.exitValue());
      ServerMessage.Cancel cancel = worker.cancels.poll(5, TimeUnit.SECONDS);
      assertNotNull(cancel, "the cancel was pushed to the worker");
      assertEquals(CancelReason.CANCELLED, cancel.reason());
      assertEquals("cancelled", run(runId).get("status").asText());
      String rest = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String err = new String(child.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(rest.contains("cancelling run " + runId), rest);
      assertTrue(err.contains("run " + runId + " cancelled"), err);
    } finally {
      child.destroyForcibly();
    }
  }

  /**
   * On a terminal (a pseudo-terminal from util-linux's {@code script}): Ctrl-C asks; "n" goes on
   * waiting; Ctrl-C again and "y" cancel the run and exit 130. No worker is connected, so the run stays
   * queued until then.
   */
  @Test
  void ctrlCOnATerminalAsksAndCancelsOnYes() throws Exception {
    try (TerminalChild child = TerminalChild.start(dir, "submit", "--server", url(), "--api-key", key,
        "--deployment", QUICK, "--wait")) {
      child.await("% queued", 1);
      child.type("\u0003"); // Ctrl-C
      child.await("? [y/N] ", 1);
      child.type("n\n");
      child.await("% queued", child.count("% queued") + 2); // the bar is drawn again: still waiting
      assertTrue(child.process.isAlive(), "'n' keeps waiting: " + child.screen);
      child.type("\u0003");
      child.await("? [y/N] ", 2);
      child.type("y\n");
      assertEquals(130, child.exitCode(), child.screen.toString());
      String runId = child.screen.toString().lines().findFirst().orElseThrow().strip();
      assertTrue(child.screen.toString().contains("cancel run " + runId + "? [y/N] "), child.screen.toString());
      assertTrue(child.screen.toString().contains("run " + runId + " cancelled"), child.screen.toString());
      assertEquals("cancelled", run(runId).get("status").asText());
    }
  }

  @Test
  void aSecondCtrlCDuringTheQuestionCancels() throws Exception {
    try (TerminalChild child = TerminalChild.start(dir, "submit", "--server", url(), "--api-key", key,
        "--deployment", QUICK, "--wait")) {
      child.await("% queued", 1);
      child.type("\u0003");
      child.await("? [y/N] ", 1);
      child.type("\u0003");
      assertEquals(130, child.exitCode(), child.screen.toString());
      String runId = child.screen.toString().lines().findFirst().orElseThrow().strip();
      assertEquals("cancelled", run(runId).get("status").asText());
    }
  }

  /**
   * {@code gpu-agent} on a pseudo-terminal (util-linux's {@code script}), so it sees a console:
   * what it draws is collected in {@link #screen}, {@link #type} sends keys (Ctrl-C included).
   */
  private static final class TerminalChild implements AutoCloseable {
    final Process process;
    final StringBuffer screen = new StringBuffer();
    private final Thread reader;

    private TerminalChild(Process process) {
      this.process = process;
      this.reader = Thread.ofPlatform().daemon().start(() -> {
        try (var in = new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)) {
          int c;
          while ((c = in.read()) >= 0) {
            screen.append((char) c);
          }
        } catch (java.io.IOException ignored) {
          // the child ended
        }
      });
    }

    static TerminalChild start(Path dir, String... args) throws java.io.IOException {
      Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "util-linux script is not installed");
      List<String> command = new java.util.ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
          "-cp", quote(System.getProperty("java.class.path")), Main.class.getName()));
      command.addAll(List.of(args));
      ProcessBuilder builder = new ProcessBuilder("/usr/bin/script", "-qfec", String.join(" ", command), "/dev/null")
          .directory(dir.toFile()).redirectErrorStream(true);
      builder.environment().put("GPU_AGENT_LOG_LEVEL", "WARN");
      return new TerminalChild(builder.start());
    }

    void type(String keys) throws java.io.IOException {
      process.getOutputStream().write(keys.getBytes(StandardCharsets.UTF_8));
      process.getOutputStream().flush();
    }

    int count(String part) {
      return SubmitCommandTest.count(screen.toString(), part);
    }

    /** Waits (up to 20 s) until {@code part} has been printed {@code times} times. */
    void await(String part, int times) throws InterruptedException {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (count(part) < times) {
        if (System.nanoTime() > end) {
          throw new AssertionError("'" + part + "' x" + times + " not printed; the screen: " + screen);
        }
        Thread.sleep(20);
      }
    }

    int exitCode() throws InterruptedException {
      assertTrue(process.waitFor(20, TimeUnit.SECONDS), "exited: " + screen);
      reader.join(5000);
      return process.exitValue();
    }

    @Override
    public void close() {
      process.destroyForcibly();
    }
  }

  private static String quote(String text) {
    return "'" + text.replace("'", "'\\''") + "'";
  }

  private static int count(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
      n++;
    }
    return n;
  }

  private JsonNode run(String runId) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/api/run/" + runId))
        .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return new ObjectMapper().readTree(r.body());
  }
}

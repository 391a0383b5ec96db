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

  private JsonNode run(String runId) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/api/run/" + runId))
        .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return new ObjectMapper().readTree(r.body());
  }
}

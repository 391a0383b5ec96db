package dev.gpuagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench server} run tiny: the JSON has every case and figure (the figures themselves are not judged). */
class BenchServerCommandTest {
  @TempDir Path dir;

  @Test
  void tinyRunWritesEveryCaseAndSummaryFigure() throws Exception {
    Path json = dir.resolve("server.json");
    PrintStream out = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = Main.commandLine().execute("bench", "server", "--runs", "20", "--clients", "2", "--warmup", "5", "--load-rate", "500",
          "--data-dir", dir.resolve("data").toString(), "--json", json.toString());
    } finally {
      System.setOut(out);
    }
    String printed = captured.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, printed);
    assertTrue(printed.contains("queue -> lease") && printed.contains("queue_runs_per_s:"), printed);
    assertTrue(Files.exists(dir.resolve("data")), "--data-dir is kept");

    JsonNode root = new ObjectMapper().readTree(json.toFile());
    assertEquals("server", root.get("benchmark").asText());
    assertTrue(root.get("machine").has("cpus"));
    JsonNode summary = root.get("summary");
    for (String key : List.of("queue_runs_per_s", "queue_target_runs_per_s", "dispatch_p50_ms", "dispatch_p99_ms",
        "dispatch_target_p99_ms", "dispatch_under_load_rate_per_s", "dispatch_under_load_p99_ms",
        "dispatch_saturated_runs_per_s", "store_commit_p50_ms", "store_commit_p99_ms", "clients", "http_client", "load_average_1m_before", "store")) {
      assertTrue(summary.has(key), key + " in " + summary);
    }
    assertTrue(summary.get("queue_runs_per_s").asDouble() > 0);
    assertEquals(2000.0, summary.get("queue_target_runs_per_s").asDouble());
    assertEquals(5.0, summary.get("dispatch_target_p99_ms").asDouble());
    JsonNode rows = root.get("rows");
    assertEquals(8, rows.size(), rows.toString());
    List<String> cases = List.of("store: durable commit, one at a time/commit", "queue throughput (no worker)/queue answer", "dispatch latency, 1 in flight/queue answer",
        "dispatch latency, 1 in flight/queue -> lease", "dispatch under load, 500/s/queue answer",
        "dispatch under load, 500/s/queue -> lease", "dispatch saturated/queue answer",
        "dispatch saturated/queue -> lease");
    for (int i = 0; i < rows.size(); i++) {
      JsonNode row = rows.get(i);
      assertEquals(cases.get(i), row.get("case").asText() + "/" + row.get("measure").asText());
      for (String figure : List.of("runs", "clients", "runs_per_s", "p50_ms", "p90_ms", "p99_ms", "max_ms")) {
        assertTrue(row.get(figure).isNumber(), figure + " in " + row);
      }
      assertTrue(row.get("p50_ms").asDouble() <= row.get("max_ms").asDouble(), row.toString());
    }
    assertEquals(10, rows.get(0).get("runs").asInt(), "a tenth of --runs commits, at least 10");
    assertEquals(20, rows.get(1).get("runs").asInt());
    assertEquals(4, rows.get(2).get("runs").asInt(), "the latency cases use a fifth of --runs");
  }

  @Test
  void badCountsAreRefusedWithExitTwo() {
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = Main.commandLine().execute("bench", "server", "--runs", "0");
    } finally {
      System.setErr(err);
    }
    assertEquals(2, code);
    assertTrue(captured.toString(StandardCharsets.UTF_8).contains("--runs, --clients and --load-rate must be positive"));
  }
}

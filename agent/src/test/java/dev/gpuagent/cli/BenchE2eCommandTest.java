package dev.gpuagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench e2e} run tiny, without its worker-process phase (that one waits a lease TTL): the table
 * and the JSON have every figure (the figures themselves are not judged).
 */
class BenchE2eCommandTest {
  @TempDir Path dir;

  @Test
  void tinyRunWritesEveryFigure() throws Exception {
    Path json = dir.resolve("e2e.json");
    PrintStream out = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = Main.commandLine().execute("bench", "e2e", "--warmup", "5", "--samples", "20", "--runs", "30",
          "--worker-runs", "0", "--store-sync", "normal", "--json", json.toString());
    } finally {
      System.setOut(out);
    }
    String printed = captured.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, printed);
    JsonNode root = new ObjectMapper().readTree(json.toFile());
    assertEquals("e2e", root.get("benchmark").asText());
    JsonNode summary = root.get("summary");
    for (String key : List.of("runs_per_second", "cpu_ms_per_run", "rss_idle_bytes", "rss_after_bytes",
        "heap_idle_bytes", "heap_after_bytes", "cpu_slots", "store_sync", "warmup_runs", "jit_share_of_a_core_in_phase",
        "load_average_1m_before")) {
      assertTrue(summary.has(key), key + " in " + summary);
    }
    assertEquals("normal", summary.get("store_sync").asText());
    int warmedUp = summary.get("warmup_runs").asInt();
    assertTrue(warmedUp >= 5 && warmedUp <= 15, "--warmup 5, and at most twice that more while the JIT is busy: "
        + warmedUp);
    assertTrue(summary.get("runs_per_second").asDouble() > 0);
    List<String> figures = root.get("rows").findValuesAsText("figure");
    for (String figure : List.of("queue -> first node started (ms, n=20)", "cancel call -> slot free (ms, n=10)",
        "node started -> visible in GET (ms, n=10)", "runs/s, 3-node graph (30 runs, 8 clients, 2 CPU slots)")) {
      assertTrue(figures.contains(figure), figure + " in " + figures);
    }
  }

  @Test
  void badSettingsAreRefusedWithExitTwoBeforeAnythingStarts() {
    for (List<String> args : List.of(List.of("--store-sync", "fsync"), List.of("--runs", "0"), List.of("--warmup", "-1"),
        List.of("--worker-runs", "-5"))) {
      PrintStream err = System.err;
      ByteArrayOutputStream captured = new ByteArrayOutputStream();
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      int code;
      try {
        List<String> all = new java.util.ArrayList<>(List.of("bench", "e2e"));
        all.addAll(args);
        code = Main.commandLine().execute(all.toArray(String[]::new));
      } finally {
        System.setErr(err);
      }
      assertEquals(2, code, args.toString());
      String said = captured.toString(StandardCharsets.UTF_8);
      assertTrue(said.contains(args.getFirst()), args.getFirst() + " named in: " + said);
    }
  }
}

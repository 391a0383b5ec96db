package dev.gpuagent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MetricsTest {
  private final Metrics metrics = Metrics.prometheus();

  @AfterEach
  void close() {
    metrics.close();
  }

  @Test
  void counterGetsPrefixAndTotalSuffix() {
    metrics.counter("runs", "Runs that ended", "status", "success").increment(3);
    String text = metrics.scrape();
    assertTrue(text.contains("# TYPE gpu_agent_runs_total counter"), text);
    assertTrue(text.contains("gpu_agent_runs_total{status=\"success\"} 3.0"), text);
  }

  @Test
  void counterWithUnitCountsThatUnit() {
    metrics.counter("output_uploaded", Unit.BYTES, "Output bytes received").increment(10);
    assertTrue(metrics.scrape().contains("gpu_agent_output_uploaded_bytes_total 10.0"), metrics.scrape());
  }

  @Test
  void gaugeInBytesGetsTheUnitSuffixAndReadsItsStateAtScrape() {
    AtomicLong used = new AtomicLong(5);
    metrics.gauge("gpu_memory_used", Unit.BYTES, "Device memory in use", used, AtomicLong::get,
        "gpu", "0", "uuid", "GPU-1", "model", "L4");
    used.set(7_000_000_000L);
    String text = metrics.scrape();
    assertTrue(text.contains("# TYPE gpu_agent_gpu_memory_used_bytes gauge"), text);
    assertTrue(
        text.contains("gpu_agent_gpu_memory_used_bytes{gpu=\"0\",model=\"L4\",uuid=\"GPU-1\"} 7.0E9"), text);
  }

  @Test
  void timerIsAHistogramInSecondsWithBucketsUpToFourHours() {
    Timer timer = metrics.timer("run_duration", "Run durations", Buckets.DURATIONS);
    timer.record(Duration.ofMinutes(90));
    timer.record(Duration.ofMillis(3));
    String text = metrics.scrape();
    assertTrue(text.contains("# TYPE gpu_agent_run_duration_seconds histogram"), text);
    List<Double> bounds = bucketBounds(text, "gpu_agent_run_duration_seconds_bucket");
    assertEquals(Buckets.DURATIONS.bounds().length, bounds.size(), text);
    assertEquals(0.001, bounds.getFirst(), 1e-12);
    assertEquals(14400.0, bounds.getLast(), 1e-9);
    assertTrue(text.contains("gpu_agent_run_duration_seconds_bucket{le=\"3600.0\"} 1"), text);
    assertTrue(text.contains("gpu_agent_run_duration_seconds_bucket{le=\"7200.0\"} 2"), text);
    assertTrue(text.contains("gpu_agent_run_duration_seconds_count 2"), text);
    assertTrue(text.contains("gpu_agent_run_duration_seconds_sum 5400.003"), text);
  }

  @Test
  void sizeHistogramIsInBytes() {
    metrics.histogram("output_size", Unit.BYTES, "Output file sizes", Buckets.SIZES).record(2048);
    String text = metrics.scrape();
    assertTrue(text.contains("gpu_agent_output_size_bytes_bucket{le=\"1024.0\"} 0"), text);
    assertTrue(text.contains("gpu_agent_output_size_bytes_bucket{le=\"4096.0\"} 1"), text);
  }

  @Test
  void familyCachesOneMeterPerLabelValuesAndKeepsLabelsConsistent() {
    MeterFamily<Counter> runs = metrics.counters("runs", "Runs that ended", "status");
    assertSame(runs.labels("failed"), runs.labels("failed"));
    runs.labels("failed").increment();
    runs.labels("success").increment(2);
    String text = metrics.scrape();
    assertTrue(text.contains("gpu_agent_runs_total{status=\"failed\"} 1.0"), text);
    assertTrue(text.contains("gpu_agent_runs_total{status=\"success\"} 2.0"), text);
    assertThrows(IllegalArgumentException.class, () -> runs.labels("a", "b"));
  }

  @Test
  void timerFamilyMembersCarryOnlyTheirOwnLabels() {
    MeterFamily<Timer> nodes =
        metrics.timers("node_duration", "Node durations by class", Buckets.DURATIONS, "class_type");
    nodes.labels("ImageBlur").record(Duration.ofMillis(20));
    nodes.labels("ImageInvert").record(Duration.ofMillis(2));
    String text = metrics.scrape();
    assertTrue(text.contains("gpu_agent_node_duration_seconds_count{class_type=\"ImageBlur\"} 1"), text);
    assertTrue(text.contains("gpu_agent_node_duration_seconds_count{class_type=\"ImageInvert\"} 1"), text);
  }

  @Test
  void buildInfoRendersWithItsInfoSuffixOnce() {
    metrics.buildInfo("1.2.3");
    metrics.buildInfo("ignored");
    String text = metrics.scrape();
    assertTrue(text.contains("# TYPE gpu_agent_build_info gauge"), text);
    Matcher line = Pattern.compile("gpu_agent_build_info\\{([^}]*)} 1").matcher(text);
    assertTrue(line.find(), text);
    assertTrue(line.group(1).contains("version=\"1.2.3\""), line.group(1));
    assertTrue(line.group(1).contains("java_version=\"" + Runtime.version() + "\""), line.group(1));
    assertFalse(line.find(), "one build_info series: " + text);
  }

  @Test
  void buildInfoOnAPlainRegistryIsAGauge() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Metrics.of(registry).buildInfo("1.0");
    assertEquals(1.0, registry.get("gpu_agent_build_info").tag("version", "1.0").gauge().value());
  }

  @Test
  void idLabelsAreRefused() {
    for (String label : List.of("run_id", "id", "lease_id")) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> metrics.counter("runs", "Runs", label, "x"));
      assertTrue(e.getMessage().contains("looks like an id"), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> metrics.counters("runs", "Runs", "run_id"));
    assertThrows(IllegalArgumentException.class, () -> metrics.counter("runs", "Runs", "le", "1"));
    assertThrows(IllegalArgumentException.class, () -> metrics.counter("runs", "Runs", "Status", "x"));
  }

  @Test
  void namesWithSuffixesPrefixOrBadCharactersAreRefused() {
    for (String name : List.of("runs_total", "run_duration_seconds", "memory_bytes", "gpu_agent_runs",
        "Runs", "runs-done", "runs__x", "build_info", "")) {
      assertThrows(IllegalArgumentException.class, () -> metrics.counter(name, "help"), name);
    }
    assertThrows(IllegalArgumentException.class, () -> metrics.counter("runs", " "));
    assertThrows(IllegalArgumentException.class, () -> metrics.counter("runs", "help", "status"));
    assertThrows(IllegalArgumentException.class,
        () -> metrics.histogram("wait", Unit.SECONDS, "use a timer", Buckets.LATENCIES));
  }

  @Test
  void bucketsMustIncreaseAndBePositive() {
    assertThrows(IllegalArgumentException.class, () -> new Buckets(1, 1));
    assertThrows(IllegalArgumentException.class, () -> new Buckets(2, 1));
    assertThrows(IllegalArgumentException.class, () -> new Buckets(0, 1));
    assertThrows(IllegalArgumentException.class, () -> new Buckets(1, Double.POSITIVE_INFINITY));
    assertEquals(List.of(1024.0, 4096.0, 16384.0),
        Arrays.stream(Buckets.powers(1024, 4, 3).bounds()).boxed().toList());
    assertEquals(4L * 1024 * 1024 * 1024, Buckets.SIZES.last(), 0.0);
  }

  @Test
  void jvmMetricsUseConventionalNames() {
    metrics.bindJvm();
    String text = metrics.scrape();
    assertTrue(text.contains("# TYPE process_cpu_seconds_total counter"), text);
    assertTrue(text.contains("jvm_memory_used_bytes"), text);
    assertFalse(text.contains("process_cpu_time_ns"), text);
    assertFalse(text.contains("system_cpu_count"), text);
  }

  @Test
  void fullExpositionPassesPromtool() throws Exception {
    metrics.bindJvm();
    metrics.buildInfo("0.1.0");
    metrics.counters("runs", "Runs that ended, by status", "status").labels("success").increment();
    metrics.timer("run_duration", "Run durations", Buckets.DURATIONS).record(Duration.ofSeconds(2));
    metrics.timers("dispatch_latency", "Queue to lease", Buckets.LATENCIES, "gpu").labels("L4")
        .record(Duration.ofMillis(1));
    metrics.histogram("output_size", Unit.BYTES, "Output sizes", Buckets.SIZES).record(5000);
    metrics.gauge("queue_depth", Unit.NONE, "Queued runs", new AtomicLong(4), AtomicLong::get, "gpu", "any");
    metrics.gauge("gpu_memory_used", Unit.BYTES, "Memory", new AtomicLong(1), AtomicLong::get);
    metrics.functionCounter("gpu_kernel", Unit.SECONDS, "Kernel time", new AtomicLong(3), AtomicLong::get);
    metrics.gauge("slot_busy", Unit.RATIO, "Busy slots", new AtomicLong(1), AtomicLong::get);
    String text = metrics.scrape();
    assertTrue(text.contains("gpu_agent_gpu_kernel_seconds_total 3.0"), text);
    var promtool = Promtool.find();
    if (promtool.isEmpty()) {
      System.out.println("MetricsTest: promtool not on PATH, `promtool check metrics` skipped");
      return;
    }
    Promtool.Result result = Promtool.check(promtool.get(), text);
    assertEquals(0, result.exitCode(), result.output() + "\n--- exposition ---\n" + text);
  }

  private static List<Double> bucketBounds(String text, String series) {
    Matcher m = Pattern.compile(Pattern.quote(series) + "\\{le=\"([0-9.E+-]+)\"}").matcher(text);
    List<Double> bounds = new java.util.ArrayList<>();
    while (m.find()) {
      bounds.add(Double.parseDouble(m.group(1)));
    }
    return bounds;
  }
}

package dev.gpuagent.cli;

import dev.gpuagent.bench.BenchReport;
import dev.gpuagent.bench.ServerBench;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gpu-agent bench server}: queue throughput and queue-to-lease latency of the control plane. */
@Command(name = "server", mixinStandardHelpOptions = true,
    description = {"Starts the control plane in this process on a fresh data folder (the durable SQLite store)",
        "and measures, over loopback: runs queued per second through POST /api/run/deployment/queue with",
        "several keep-alive clients (target >= 2,000/s), and dispatch latency from the queue call to the",
        "lease frame at a connected scripted worker (target p99 <= 5 ms), idle and under load."})
final class BenchServerCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  static final double TARGET_RUNS_PER_S = 2000;
  static final double TARGET_P99_MS = 5.0;

  @Option(names = "--runs", defaultValue = "10000",
      description = "Runs queued in the throughput case (default: ${DEFAULT-VALUE}); the latency cases use a fifth.")
  int runs;

  @Option(names = "--clients", defaultValue = "8", description = "Concurrent HTTP/1.1 clients (default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(names = "--warmup", defaultValue = "1000", description = "Untimed runs before timing (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "Data folder for the store (default: a new temporary folder, deleted afterwards).")
  Path dataDir;

  @Option(names = "--load-rate", defaultValue = "200",
      description = "Runs a second queued in the 'under load' case (default: ${DEFAULT-VALUE}).")
  double loadRate;

  @Option(names = "--jdk-client",
      description = "Queue through java.net.http's client instead of the bench's blocking keep-alive client.")
  boolean jdkClient;

  @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON.")
  Path json;

  @Override
  public Integer call() throws Exception {
    if (runs < 1 || clients < 1 || warmup < 0 || !(loadRate > 0)) {
      spec.commandLine().getErr().println(
          "gpu-agent bench server: --runs, --clients and --load-rate must be positive, --warmup not negative");
      return 2;
    }
    Path dir = dataDir != null ? dataDir : Files.createTempDirectory("gpu-agent-bench-server");
    BenchReport report = new BenchReport("server");
    double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    ServerBench.Sample commits = ServerBench.storeCommits(dir.resolve("commit-probe"), Math.max(10, runs / 10));
    try (ServerBench bench = ServerBench.start(dir.resolve("server"), jdkClient)) {
      int latencyRuns = Math.max(1, runs / 5);
      // Warm the JIT on the full cycle first, so the timed cases measure the steady state.
      if (warmup > 0) {
        bench.underLoad("warmup", warmup, clients, 2 * clients, 0);
      }
      ServerBench.Sample idle = bench.dispatchLatency(Math.min(warmup, 200), latencyRuns);
      ServerBench.Sample paced = bench.underLoad("dispatch under load, " + Math.round(loadRate) + "/s", latencyRuns,
          clients, 2 * clients, loadRate);
      ServerBench.Sample saturated = bench.underLoad("dispatch saturated", latencyRuns, clients, 2 * clients, 0);
      ServerBench.Sample queued = bench.queueThroughput(runs, clients);
      row(report, commits, commits.queueNanos(), "commit");
      for (ServerBench.Sample s : new ServerBench.Sample[] {queued, idle, paced, saturated}) {
        row(report, s, s.queueNanos(), "queue answer");
        if (s.leaseNanos() != null) {
          row(report, s, s.leaseNanos(), "queue -> lease");
        }
      }
      report.summary("queue_runs_per_s", queued.runsPerSecond());
      report.summary("queue_target_runs_per_s", TARGET_RUNS_PER_S);
      report.summary("dispatch_p50_ms", ServerBench.percentileMs(idle.leaseNanos(), 50));
      report.summary("dispatch_p99_ms", ServerBench.percentileMs(idle.leaseNanos(), 99));
      report.summary("dispatch_target_p99_ms", TARGET_P99_MS);
      report.summary("dispatch_under_load_rate_per_s", loadRate);
      report.summary("dispatch_under_load_p99_ms", ServerBench.percentileMs(paced.leaseNanos(), 99));
      report.summary("dispatch_saturated_runs_per_s", saturated.runsPerSecond());
      report.summary("store_commit_p50_ms", ServerBench.percentileMs(commits.queueNanos(), 50));
      report.summary("store_commit_p99_ms", ServerBench.percentileMs(commits.queueNanos(), 99));
      report.summary("clients", clients);
      report.summary("http_client", jdkClient ? "java.net.http" : "blocking keep-alive socket");
      // Other processes on a small host move these figures: the load average says how quiet it was.
      report.summary("load_average_1m_before", loadBefore);
      report.summary("load_average_1m_after", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
      report.summary("store", "sqlite " + fileSystem(dir));
    } finally {
      if (dataDir == null) {
        deleteTree(dir);
      }
    }
    report.print(System.out);
    if (json != null) {
      report.writeJson(json);
      System.out.println("wrote " + json);
    }
    return 0;
  }

  private static void row(BenchReport report, ServerBench.Sample s, long[] nanos, String measure) {
    report.row("case", s.name(), "measure", measure, "runs", s.runs(), "clients", s.clients(),
        "runs_per_s", s.runsPerSecond(),
        "p50_ms", ServerBench.percentileMs(nanos, 50), "p90_ms", ServerBench.percentileMs(nanos, 90),
        "p99_ms", ServerBench.percentileMs(nanos, 99), "max_ms", ServerBench.percentileMs(nanos, 100));
  }

  private static String fileSystem(Path dir) {
    try {
      FileStore store = Files.getFileStore(dir);
      return "on " + store.type() + " (" + dir + ")";
    } catch (IOException e) {
      return "in " + dir;
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temporary folder left behind is harmless
    }
  }
}

package dev.gpuagent.cli;

import dev.gpuagent.bench.BenchReport;
import dev.gpuagent.bench.E2eBench;
import dev.gpuagent.bench.WorkerProcessBench;
import dev.gpuagent.server.store.StoreSync;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gpu-agent bench e2e}: the dev mode's end-to-end latencies, throughput and memory. */
@Command(name = "e2e", mixinStandardHelpOptions = true,
    description = {"End-to-end figures of the dev mode (server + worker with CPU slots in one process, durable",
        "store, public API over loopback): queue -> first node started (target p50 <= 2 ms, p99 <= 10 ms),",
        "cancel -> slot free (p99 <= 25 ms), node start -> visible in GET (<= 50 ms), runs/s of a 3-node graph",
        "(>= 1,000), and memory when idle and after the throughput runs (growth: none)."})
final class BenchE2eCommand implements Callable<Integer> {
  @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON.")
  Path json;

  @Option(names = "--samples", defaultValue = "200", description = "Runs per latency figure (default: ${DEFAULT-VALUE}).")
  int samples;

  @Option(names = "--runs", defaultValue = "10000", description = "Runs in the throughput phase (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--warmup", defaultValue = "30000",
      description = "Untimed runs before the figures, so they are the JIT-compiled steady state; up to twice"
          + " as many more follow, " + WARMUP_STEP + " at a time, while the JIT compiler is still busy"
          + " (default: ${DEFAULT-VALUE}).")
  int warmup;

  /** Warm-up runs added at a time while the compiler is busy (fewer for a smaller --warmup). */
  static final int WARMUP_STEP = 5_000;
  /** Busy: JIT compilation took more than this share of a warm-up step's wall time. */
  static final double JIT_QUIET_SHARE = 0.05;

  @Option(names = "--clients", defaultValue = "8", description = "Concurrent API clients queueing (default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(names = "--cpu-slots", defaultValue = "2", description = "Worker CPU slots (default: ${DEFAULT-VALUE}, as dev mode).")
  int cpuSlots;

  @Option(names = "--store-sync", paramLabel = "full|normal", defaultValue = "full",
      description = "The server's store_sync (default: ${DEFAULT-VALUE}, as gpu-agent dev and server).")
  StoreSync storeSync;

  @Spec CommandSpec spec;

  @Option(names = "--worker-runs", defaultValue = "10000",
      description = "Runs through a worker in its own process, for its memory figures; 0 skips them (default: ${DEFAULT-VALUE}).")
  int workerRuns;

  @Option(names = "--worker-jvm", paramLabel = "OPTIONS", defaultValue = WORKER_JVM,
      description = "JVM options of that worker process (default: the systemd unit's: ${DEFAULT-VALUE}).")
  String workerJvm;

  /** The JVM options of config/gpu-agent-worker.service's ExecStart (a test keeps them equal). */
  static final String WORKER_JVM = "-Xmx4g -XX:MaxHeapFreeRatio=30 -XX:MinHeapFreeRatio=10"
      + " -XX:G1PeriodicGCInterval=30000 --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow";

  @Override
  public Integer call() throws Exception {
    BenchReport report = new BenchReport("e2e");
    // Other processes move these figures a lot on a small host: the report says how busy it was.
    double loadBefore = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    if (samples < 1 || runs < 1 || clients < 1 || cpuSlots < 1 || warmup < 0 || workerRuns < 0) {
      spec.commandLine().getErr().println("gpu-agent bench e2e: --samples, --runs, --clients and --cpu-slots must be"
          + " positive, --warmup and --worker-runs not negative");
      return 2;
    }
    try (E2eBench bench = new E2eBench(cpuSlots, storeSync)) {
      bench.queueToFirstNode(Math.max(20, samples / 4)); // warm-up: JIT, connections, store caches
      int warmedUp = warmUp(bench);
      long idleRss = E2eBench.rssAfterGc();
      long idleHeap = E2eBench.heapUsedAfterGc();

      // The throughput phase follows the warm-up directly: it is the same work, so the JIT-compiled code
      // fits it. With the latency phases first, their different profiles made C2 recompile during it.
      double createMicros = bench.fileCreateMicros(500);
      long cpuBefore = E2eBench.processCpuNanos();
      long jitBefore = jitMillis();
      long wallBefore = System.nanoTime();
      long[] hostBefore = E2eBench.hostCpuTicks();
      double perSecond = bench.throughput(runs, clients);
      double stolen = E2eBench.stolenShare(hostBefore, E2eBench.hostCpuTicks());
      double cpuPerRun = (E2eBench.processCpuNanos() - cpuBefore) / 1e6 / runs;
      double jitShare = (jitMillis() - jitBefore) / ((System.nanoTime() - wallBefore) / 1e6);
      long afterRss = E2eBench.rssAfterGc();
      long afterHeap = E2eBench.heapUsedAfterGc();

      latency(report, "queue -> first node started", bench.queueToFirstNode(samples), 2.0, 10.0);
      double[][] cancel = bench.cancelToSlotFree(Math.max(10, samples / 2)); // p99 of 25 would be the maximum
      latency(report, "cancel call -> 200 cancelled", cancel[0], Double.NaN, Double.NaN);
      latency(report, "cancel call -> slot free", cancel[1], Double.NaN, 25.0);
      latency(report, "node started -> visible in GET", bench.progressVisible(Math.max(10, samples / 2)),
          Double.NaN, 50.0);
      String throughputFigure = "runs/s, 3-node graph (" + runs + " runs, " + clients + " clients, " + cpuSlots
          + " CPU slots)";
      report.row("figure", throughputFigure, "value", round(perSecond), "target", ">= 1000");
      // 1,000 runs/s on N cores leaves N ms of CPU per run for everything (bench clients and JIT included).
      int cores = Runtime.getRuntime().availableProcessors();
      report.row("figure", "CPU per run in that phase, all threads incl. JIT and clients, ms", "value",
          round(cpuPerRun), "target", "<= " + cores + " (for 1000 runs/s on " + cores + " cores)");
      report.row("figure", "JIT compiling in that phase, % of one core", "value", round(100 * jitShare), "target", "");
      report.row("figure", "host CPU stolen by the hypervisor in that phase, %", "value", round(100 * stolen),
          "target", "");
      report.row("figure", "creating a file before that phase, us (p50 of 500)", "value", round(createMicros),
          "target", "tens of us (ext4: hundreds for minutes after many files were deleted)");
      report.row("figure", "process RSS idle, MB", "value", round(idleRss / 1e6), "target", "<= 200");
      report.row("figure", "process RSS after " + runs + " more runs, MB", "value", round(afterRss / 1e6),
          "target", "no growth");
      report.row("figure", "heap used after GC idle, MB", "value", round(idleHeap / 1e6), "target", "");
      report.row("figure", "heap used after GC after the runs, MB", "value", round(afterHeap / 1e6), "target",
          "no growth");
      report.summary("runs_per_second", perSecond);
      report.summary("cpu_ms_per_run", cpuPerRun);
      report.summary("rss_idle_bytes", idleRss);
      report.summary("rss_after_bytes", afterRss);
      report.summary("heap_idle_bytes", idleHeap);
      report.summary("heap_after_bytes", afterHeap);
      report.summary("cpu_slots", cpuSlots);
      report.summary("store_sync", storeSync.name().toLowerCase(java.util.Locale.ROOT));
      report.summary("warmup_runs", warmedUp);
      report.summary("jit_share_of_a_core_in_phase", jitShare);
      report.summary("host_steal_share_in_phase", stolen);
      report.summary("file_create_micros_p50", createMicros);
    }
    if (workerRuns > 0) {
      workerProcess(report);
    }
    report.summary("load_average_1m_before", loadBefore);
    report.summary("load_average_1m_after",
        java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    report.print(System.out);
    if (json != null) {
      report.writeJson(json);
      System.out.println("wrote " + json);
    }
    return 0;
  }

  /**
   * {@code --warmup} untimed runs, then {@value #WARMUP_STEP} more at a time while the JIT compiler
   * spent over {@value #JIT_QUIET_SHARE} of the step's wall time compiling, up to twice
   * {@code --warmup} more. HotSpot's C2 keeps compiling for a minute or more on a small host, at up
   * to half a core; figures taken meanwhile measure the compiler as much as the system, and by how
   * long it happened to take. Returns the runs done.
   */
  private int warmUp(E2eBench bench) throws Exception {
    if (warmup == 0) {
      return 0;
    }
    bench.throughput(warmup, clients);
    int done = warmup;
    int step = Math.min(WARMUP_STEP, warmup);
    while (done + step <= 3L * warmup && jitMillis() >= 0) {
      long jitBefore = jitMillis();
      long wallBefore = System.nanoTime();
      bench.throughput(step, clients);
      done += step;
      double share = (jitMillis() - jitBefore) / ((System.nanoTime() - wallBefore) / 1e6);
      if (share <= JIT_QUIET_SHARE) {
        break;
      }
    }
    return done;
  }

  /** Milliseconds the JIT compilers have spent so far (all threads), or -1 where the JVM does not tell. */
  private static long jitMillis() {
    java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
    return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
  }

  /** The worker alone, in its own process: idle RSS, and RSS after a warm-up and after --worker-runs more runs. */
  private void workerProcess(BenchReport report) throws Exception {
    List<String> options = List.of(workerJvm.trim().split("\\s+"));
    try (WorkerProcessBench bench = new WorkerProcessBench(cpuSlots, options)) {
      bench.awaitRegistered();
      WorkerProcessBench.Memory idle = bench.afterGc();
      int warm = Math.min(2000, workerRuns);
      bench.run(warm, clients);
      WorkerProcessBench.Memory warmed = idleAfterLeaseTtl(bench);
      // Two halves: growth that is JIT and heap sizing settles in the first; a leak goes on in the second.
      int half = workerRuns / 2;
      double perSecond = bench.run(half, clients);
      WorkerProcessBench.Memory middle = bench.afterGc();
      perSecond = (perSecond + bench.run(workerRuns - half, clients)) / 2;
      WorkerProcessBench.Memory after = bench.afterGc();
      WorkerProcessBench.Memory idleAgain = idleAfterLeaseTtl(bench);
      report.row("figure", "worker process: runs/s (" + workerRuns + " runs)", "value", round(perSecond), "target", "");
      // Heap: idle is compared with idle, as right after a batch the worker still holds one lease TTL of
      // finished leases (for a resume), as many as the batch's rate made. Outside the heap the halves are
      // compared. The total RSS also moves with how much of its committed heap G1 has touched.
      String[] when = {"idle, new", "idle after " + warm + " runs and a lease TTL", "after " + half + " more runs",
          "after " + (workerRuns - half) + " more runs", "idle again, a lease TTL later"};
      WorkerProcessBench.Memory[] at = {idle, warmed, middle, after, idleAgain};
      String[] targets = {"<= 200", "", "", "", "<= 200"};
      for (int i = 0; i < at.length; i++) {
        report.row("figure", "worker process RSS " + when[i] + ", MB", "value", round(at[i].rssBytes() / 1e6),
            "target", targets[i]);
      }
      for (int i = 0; i < at.length; i++) {
        report.row("figure", "worker process heap used after GC " + when[i] + ", MB", "value",
            round(at[i].heapUsedBytes() / 1e6), "target", i == 4 ? "no growth (vs idle after " + warm + ")" : "");
      }
      for (int i = 0; i < at.length; i++) {
        report.row("figure", "worker process RSS outside the Java heap " + when[i] + ", MB", "value",
            round(at[i].nonHeapRssBytes() / 1e6), "target", i == 3 ? "no growth (vs the first half)" : "");
      }
      report.summary("worker_rss_idle_bytes", idle.rssBytes());
      report.summary("worker_rss_warm_idle_bytes", warmed.rssBytes());
      report.summary("worker_rss_middle_bytes", middle.rssBytes());
      report.summary("worker_rss_after_bytes", after.rssBytes());
      report.summary("worker_rss_idle_again_bytes", idleAgain.rssBytes());
      // Growth where a leak would show: outside the heap over the second half (the first half still
      // grows JIT code, GC tables and allocator pools), and the heap's live data idle against idle.
      report.summary("worker_rss_outside_heap_growth_second_half_bytes",
          after.nonHeapRssBytes() < 0 ? -1 : after.nonHeapRssBytes() - middle.nonHeapRssBytes());
      report.summary("worker_heap_used_growth_idle_bytes", idleAgain.heapUsedBytes() - warmed.heapUsedBytes());
      report.summary("worker_heap_used_bytes", java.util.Arrays.stream(at).mapToLong(
          WorkerProcessBench.Memory::heapUsedBytes).boxed().toList());
      report.summary("worker_heap_committed_bytes", java.util.Arrays.stream(at).mapToLong(
          WorkerProcessBench.Memory::heapCommittedBytes).boxed().toList());
      report.summary("worker_rss_outside_heap_bytes", java.util.Arrays.stream(at).mapToLong(
          WorkerProcessBench.Memory::nonHeapRssBytes).boxed().toList());
      report.summary("worker_process_runs_per_second", perSecond);
      report.summary("worker_jvm_options", String.join(" ", options));
    }
  }

  /** Waits one lease TTL and a heartbeat (the worker drops the finished leases it kept), then measures. */
  private static WorkerProcessBench.Memory idleAfterLeaseTtl(WorkerProcessBench bench) throws Exception {
    Thread.sleep(dev.gpuagent.protocol.Protocol.DEFAULT_LEASE_TTL.plus(
        dev.gpuagent.protocol.Protocol.DEFAULT_HEARTBEAT_INTERVAL).toMillis());
    return bench.afterGc();
  }

  private static void latency(BenchReport report, String figure, double[] ms, double p50Target, double p99Target) {
    double[] p = E2eBench.percentiles(ms);
    String target = (Double.isNaN(p50Target) ? "" : "p50 <= " + p50Target + " ")
        + (Double.isNaN(p99Target) ? "" : "p99 <= " + p99Target);
    report.row("figure", figure + " (ms, n=" + ms.length + ")", "p50", round(p[0]), "p90", round(p[1]), "p99",
        round(p[2]), "max", round(p[3]), "target", target.strip());
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}

package dev.gpuagent.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpuagent.engine.RunEvent;
import dev.gpuagent.metrics.Metrics;
import dev.gpuagent.ops.NodeRegistry;
import dev.gpuagent.server.store.StoreSync;
import dev.gpuagent.worker.SlotPlan;
import dev.gpuagent.worker.WorkerAgent;
import dev.gpuagent.worker.WorkerSettings;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * End-to-end figures of the dev mode (DESIGN section 7): a server and a worker with CPU slots in this
 * process, a durable store in a temporary folder, and the public API over loopback HTTP, exactly as a
 * user reaches it. The worker's engine events are observed in process to time the moments the API
 * cannot show (a node starting, the slot becoming free).
 */
public final class E2eBench implements AutoCloseable {
  private static final Set<String> TERMINAL = Set.of("success", "failed", "timeout", "cancelled");

  private final BenchControlPlane server;
  private final WorkerAgent worker;
  /** One keep-alive connection per calling thread (see {@link KeepAliveClient} for why not java.net.http). */
  private final List<KeepAliveClient> clients = java.util.Collections.synchronizedList(new ArrayList<>());
  private final ThreadLocal<KeepAliveClient> client = new ThreadLocal<>();
  /** When each run's first node started (System.nanoTime), completed by the worker's observer. */
  private final Map<String, java.util.concurrent.CompletableFuture<Long>> firstNodeAt = new ConcurrentHashMap<>();
  private final Map<String, Long> stepNodeAt = new ConcurrentHashMap<>();
  private final Map<String, Integer> stepsSeen = new ConcurrentHashMap<>();
  private final AtomicInteger finished = new AtomicInteger();
  private volatile boolean timingFirstNodes;
  private final String tinyDeployment;
  private final String stepDeployment;

  public E2eBench(int cpuSlots, StoreSync storeSync) throws Exception {
    server = new BenchControlPlane("e2e", storeSync);
    WorkerSettings settings = WorkerSettings.resolve(Map.of("server", server.url(), "token", server.token, "name", "bench",
        "gpus", "none", "cpu_slots", String.valueOf(cpuSlots), "cpu_threads", "1", "metrics_port", "-1"), Map.of(), null);
    worker = new WorkerAgent(settings, SlotPlan.build(settings), NodeRegistry.standard(), Metrics.prometheus(),
        "bench", null).observe(this::observe);
    worker.start();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!worker.connected()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the worker did not register");
      }
      Thread.sleep(1);
    }
    tinyDeployment = deploy("tiny-3-nodes", BenchControlPlane.TINY_WORKFLOW);
    stepDeployment = deploy("steps", """
        {"1": {"class_type": "ComfyUIDeployExternalNumberInt", "inputs": {"input_id": "steps", "default_value": 500}},
         "2": {"class_type": "EmptyImage", "inputs": {"width": 128, "height": 128, "batch_size": 1, "color": 8421504}},
         "3": {"class_type": "ImageAnisotropicDiffusion", "inputs": {"image": ["2", 0], "steps": ["1", 0],
               "kappa": 0.1, "lambda": 0.2, "conduction": "exponential"}},
         "4": {"class_type": "SaveImage", "inputs": {"images": ["3", 0], "filename_prefix": "steps"}}}""");
  }

  private void observe(String runId, RunEvent event) {
    long now = System.nanoTime();
    switch (event) {
      case RunEvent.NodeStarted started -> {
        if (started.index() == 0) {
          if (timingFirstNodes) { // only then: the throughput runs must not fill the map
            firstNode(runId).complete(now);
          }
        }
        if ("ImageAnisotropicDiffusion".equals(started.classType())) {
          stepNodeAt.putIfAbsent(runId, now);
        }
      }
      case RunEvent.Progress progress -> {
        if (progress.steps() > 0) {
          stepsSeen.put(runId, progress.step());
        }
      }
      case RunEvent.RunFinished done -> finished.incrementAndGet();
      default -> { }
    }
  }

  private java.util.concurrent.CompletableFuture<Long> firstNode(String runId) {
    return firstNodeAt.computeIfAbsent(runId, id -> new java.util.concurrent.CompletableFuture<>());
  }

  /** Queue call sent -> the run's first node started on the idle worker, one run at a time. */
  public double[] queueToFirstNode(int runs) throws Exception {
    double[] ms = new double[runs];
    timingFirstNodes = true;
    for (int i = 0; i < runs; i++) {
      long t0 = System.nanoTime();
      String runId = queue(tinyDeployment, "{}");
      // Blocking, not spinning: a spinning client would take one of this machine's two cores from the system.
      long at = firstNode(runId).get(10, java.util.concurrent.TimeUnit.SECONDS);
      firstNodeAt.remove(runId);
      ms[i] = (at - t0) / 1e6;
      awaitTerminal(runId);
      awaitIdle();
    }
    timingFirstNodes = false;
    return ms;
  }

  /** Cancel call sent -> 200 (status cancelled), and -> the slot free, for a run inside its step node. */
  public double[][] cancelToSlotFree(int runs) throws Exception {
    double[] answered = new double[runs];
    double[] freed = new double[runs];
    for (int i = 0; i < runs; i++) {
      String runId = queue(stepDeployment, "{\"steps\": 500}");
      while (stepsSeen.getOrDefault(runId, 0) < 3) {
        Thread.sleep(0, 200_000);
      }
      long t0 = System.nanoTime();
      KeepAliveClient.Answer response = server.cancel(client(), runId);
      long t1 = System.nanoTime();
      if (response.status() != 200) {
        throw new IllegalStateException("cancel answered " + response.status() + ": " + response.body());
      }
      while (worker.busySlots() > 0) {
        java.util.concurrent.locks.LockSupport.parkNanos(20_000); // polled: the figure is at most ~0.1 ms late
      }
      long t2 = System.nanoTime();
      answered[i] = (t1 - t0) / 1e6;
      freed[i] = (t2 - t0) / 1e6;
    }
    return new double[][] {answered, freed};
  }

  /** A node starting on the worker -> GET showing it (live_status names the node). */
  public double[] progressVisible(int runs) throws Exception {
    double[] ms = new double[runs];
    for (int i = 0; i < runs; i++) {
      String runId = queue(stepDeployment, "{\"steps\": 500}");
      while (true) {
        JsonNode run = get(runId);
        long now = System.nanoTime();
        Long started = stepNodeAt.get(runId);
        if (started != null && run.path("live_status").asText().contains("ImageAnisotropicDiffusion")) {
          ms[i] = Math.max(0, (now - started) / 1e6);
          break;
        }
      }
      server.cancel(client(), runId);
      awaitIdle();
    }
    return ms;
  }

  /** Queues {@code runs} tiny runs from {@code clients} threads; runs per second until all are terminal. */
  public double throughput(int runs, int clients) throws Exception {
    int before = finished.get();
    List<String> ids = java.util.Collections.synchronizedList(new ArrayList<>());
    AtomicInteger next = new AtomicInteger();
    long t0 = System.nanoTime();
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      Thread t = Thread.ofPlatform().start(() -> {
        try {
          while (next.getAndIncrement() < runs) {
            ids.add(queue(tinyDeployment, "{}"));
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join();
    }
    while (finished.get() - before < runs) {
      Thread.sleep(1);
    }
    for (String id : ids.subList(Math.max(0, ids.size() - 50), ids.size())) {
      awaitTerminal(id);
    }
    long t1 = System.nanoTime();
    int failures = 0;
    for (String id : ids.subList(0, Math.min(ids.size(), 200))) {
      failures += "success".equals(get(id).path("status").asText()) ? 0 : 1;
    }
    if (failures > 0) {
      throw new IllegalStateException(failures + " of the first 200 runs did not succeed");
    }
    return runs / ((t1 - t0) / 1e9);
  }

  /** The process's resident set size in bytes (Linux), after a full GC. */
  public static long rssAfterGc() throws IOException, InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return residentBytes("self");
  }

  /** The resident set size in bytes of process {@code pid} ("self": this one), from /proc; -1 if not told. */
  static long residentBytes(String pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", pid, "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    return -1;
  }

  /**
   * The share of the host's CPU time between two readings of {@link #hostCpuTicks} that the hypervisor
   * gave to other guests (steal), 0..1; NaN where /proc/stat is not readable. On a shared VM this
   * moved the throughput figure by a third from one run to the next.
   */
  public static double stolenShare(long[] before, long[] after) {
    if (before == null || after == null) {
      return Double.NaN;
    }
    long total = 0;
    for (int i = 0; i < before.length; i++) {
      total += after[i] - before[i];
    }
    return total <= 0 || before.length < 8 ? Double.NaN : (double) (after[7] - before[7]) / total;
  }

  /**
   * The host's CPU time counters from /proc/stat's {@code cpu} line (user, nice, system, idle, iowait,
   * irq, softirq, steal), or null.
   */
  public static long[] hostCpuTicks() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
        if (line.startsWith("cpu ")) {
          String[] fields = line.trim().split("\\s+");
          long[] ticks = new long[Math.min(8, fields.length - 1)];
          for (int i = 0; i < ticks.length; i++) {
            ticks[i] = Long.parseLong(fields[i + 1]);
          }
          return ticks;
        }
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
    return null;
  }

  /**
   * Microseconds to create (and open) one new file in the bench's data folder, the median of {@code n}
   * (the files are left there, not deleted). Each run's output costs one such create. It is a few tens
   * of microseconds on a quiet ext4, and ten times that for some minutes after the file system freed
   * many inodes (the previous bench deleting its data folder): ext4 then skips each recently freed
   * inode when it looks for one, which was 15 % of the machine's CPU in the throughput phase.
   */
  public double fileCreateMicros(int n) throws IOException {
    Path dir = Files.createDirectories(server.dataDir().resolve("create-probe"));
    double[] micros = new double[n];
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      Files.newByteChannel(dir.resolve("f" + i), java.nio.file.StandardOpenOption.CREATE_NEW,
          java.nio.file.StandardOpenOption.WRITE).close();
      micros[i] = (System.nanoTime() - t0) / 1e3;
    }
    java.util.Arrays.sort(micros);
    return micros[n / 2];
  }

  /** CPU time of this process so far (all threads), in nanoseconds; -1 where the JVM cannot tell. */
  public static long processCpuNanos() {
    return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
        ? os.getProcessCpuTime() : -1;
  }

  public static long heapUsedAfterGc() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private void awaitIdle() throws InterruptedException {
    while (worker.busySlots() > 0) {
      Thread.sleep(0, 100_000);
    }
  }

  private void awaitTerminal(String runId) throws Exception {
    while (!TERMINAL.contains(get(runId).path("status").asText())) {
      Thread.sleep(0, 500_000);
    }
  }

  private String deploy(String name, String workflow) throws IOException {
    return server.deploy(client(), name, workflow);
  }

  private String queue(String deployment, String inputs) throws IOException {
    return server.queue(client(), deployment, inputs);
  }

  private JsonNode get(String runId) throws IOException {
    return server.run(client(), runId);
  }

  /** The calling thread's keep-alive connection. */
  private KeepAliveClient client() throws IOException {
    KeepAliveClient c = client.get();
    if (c == null) {
      c = new KeepAliveClient(server.port());
      client.set(c);
      clients.add(c);
    }
    return c;
  }

  /** p50, p90, p99 and max of {@code values}. */
  public static double[] percentiles(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return new double[] {at(sorted, 0.50), at(sorted, 0.90), at(sorted, 0.99), sorted[sorted.length - 1]};
  }

  private static double at(double[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
  }

  @Override
  public void close() throws IOException {
    for (KeepAliveClient c : clients) {
      c.close();
    }
    worker.close();
    server.close();
  }
}

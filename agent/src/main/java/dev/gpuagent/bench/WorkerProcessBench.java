package dev.gpuagent.bench;

import dev.gpuagent.server.store.StoreSync;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The worker's memory as an operator sees it: {@code gpu-agent worker} in its own process (the same
 * JVM options as the systemd unit's {@code ExecStart}), against a server in this process, with CPU
 * slots. Its resident set is read from {@code /proc} after a full GC ({@code jcmd GC.run}): once
 * registered and idle, then after each batch of tiny runs, so growth over many runs shows.
 */
public final class WorkerProcessBench implements AutoCloseable {
  private static final Set<String> TERMINAL = Set.of("success", "failed", "timeout", "cancelled");

  private final BenchControlPlane server;
  private final Process worker;
  private final String deployment;

  /** {@code jvmOptions}: the worker JVM's options before {@code -cp}, as in the unit's ExecStart. */
  public WorkerProcessBench(int cpuSlots, List<String> jvmOptions) throws Exception {
    server = new BenchControlPlane("worker", StoreSync.FULL);
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.gpuagent.cli.Main", "worker",
        "--server", server.url(), "--name", "bench-process", "--gpus", "none",
        "--cpu-slots", Integer.toString(cpuSlots), "--metrics-port", "-1"));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(server.dataDir().resolve("worker.log").toFile());
    builder.environment().put("GPU_AGENT_TOKEN", server.token);
    worker = builder.start();
    try (KeepAliveClient client = new KeepAliveClient(server.port())) {
      deployment = server.deploy(client, "tiny-3-nodes", BenchControlPlane.TINY_WORKFLOW);
    }
  }

  public long pid() {
    return worker.pid();
  }

  /** Queues one run and waits for it: the worker has registered and runs. */
  public void awaitRegistered() throws Exception {
    try (KeepAliveClient client = new KeepAliveClient(server.port())) {
      String id = queue(client);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!TERMINAL.contains(status(client, id))) {
        if (System.nanoTime() > deadline || !worker.isAlive()) {
          throw new IllegalStateException("the worker process did not run a first run; see " + server.dataDir().resolve("worker.log"));
        }
        Thread.sleep(5);
      }
    }
  }

  /** Queues {@code runs} tiny runs from {@code clients} threads and waits until all are terminal; runs per second. */
  public double run(int runs, int clients) throws Exception {
    List<String> ids = java.util.Collections.synchronizedList(new ArrayList<>());
    AtomicInteger next = new AtomicInteger();
    long t0 = System.nanoTime();
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      threads.add(Thread.ofPlatform().start(() -> {
        try (KeepAliveClient client = new KeepAliveClient(server.port())) {
          while (next.getAndIncrement() < runs) {
            ids.add(queue(client));
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }));
    }
    for (Thread t : threads) {
      t.join();
    }
    int failures = 0;
    try (KeepAliveClient client = new KeepAliveClient(server.port())) {
      for (String id : ids) { // FIFO: by the time the last is done, nearly all are
        String status;
        while (!TERMINAL.contains(status = status(client, id))) {
          Thread.sleep(2);
        }
        failures += "success".equals(status) ? 0 : 1;
      }
    }
    double perSecond = runs / ((System.nanoTime() - t0) / 1e9);
    if (failures > 0) {
      throw new IllegalStateException(failures + " of " + runs + " runs did not succeed");
    }
    return perSecond;
  }

  /**
   * The worker's memory after a full GC in it: resident set, and the Java heap's used and committed
   * bytes (-1 where {@code jcmd} is missing or does not tell). The heap's live data is where a leak
   * would show; the resident set also moves with heap sizing, JIT code and the C allocator.
   */
  public record Memory(long rssBytes, long heapUsedBytes, long heapCommittedBytes, long heapResidentBytes) {
    /** The resident set outside the Java heap (code, metaspace, GC tables, threads, native memory). */
    public long nonHeapRssBytes() {
      return heapResidentBytes < 0 ? -1 : rssBytes - heapResidentBytes;
    }
  }

  private static final java.util.regex.Pattern HEAP_INFO = java.util.regex.Pattern.compile(
      "heap\\s+total reserved (\\d+)K, committed (\\d+)K, used (\\d+)K \\[0x([0-9a-f]+), 0x([0-9a-f]+)\\)");

  public Memory afterGc() throws IOException, InterruptedException {
    jcmd("GC.run");
    Thread.sleep(500);
    long[] heap = heapInfo(jcmd("GC.heap_info"));
    long heapResident = -1;
    Path smaps = Path.of("/proc", Long.toString(worker.pid()), "smaps");
    if (heap[3] >= 0 && Files.isReadable(smaps)) {
      heapResident = residentWithin(Files.readString(smaps), heap[3], heap[4]);
    }
    return new Memory(E2eBench.residentBytes(Long.toString(worker.pid())), heap[2], heap[1], heapResident);
  }

  /**
   * From {@code jcmd GC.heap_info}'s output: reserved, committed and used heap bytes, and the heap's
   * first and end address; -1 each when it does not say.
   */
  static long[] heapInfo(String heapInfo) {
    java.util.regex.Matcher heap = HEAP_INFO.matcher(heapInfo);
    return heap.find() ? new long[] {Long.parseLong(heap.group(1)) * 1024, Long.parseLong(heap.group(2)) * 1024,
        Long.parseLong(heap.group(3)) * 1024, Long.parseUnsignedLong(heap.group(4), 16),
        Long.parseUnsignedLong(heap.group(5), 16)} : new long[] {-1, -1, -1, -1, -1};
  }

  /**
   * The resident bytes of the mappings in /proc/PID/smaps that start within [{@code from}, {@code to})
   * (the Java heap: G1 splits its reservation into several mappings as it commits and uncommits). The
   * heap's resident part moves with how much of it G1 has touched and kept; the rest of the resident
   * set is where native growth would show.
   */
  static long residentWithin(String smaps, long from, long to) {
    long resident = 0;
    boolean inside = false;
    for (String line : smaps.split("\n")) {
      int dash = line.indexOf('-');
      if (dash > 0 && line.indexOf(' ') > dash && line.substring(0, dash).matches("[0-9a-f]+")) {
        long start = Long.parseUnsignedLong(line.substring(0, dash), 16);
        inside = Long.compareUnsigned(start, from) >= 0 && Long.compareUnsigned(start, to) < 0;
      } else if (inside && line.startsWith("Rss:")) {
        resident += Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    return resident;
  }

  /** Runs {@code jcmd PID command}; its output, or "" when there is no jcmd. */
  private String jcmd(String command) throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    if (!Files.isExecutable(jcmd)) {
      return "";
    }
    Process p = new ProcessBuilder(jcmd.toString(), Long.toString(worker.pid()), command).redirectErrorStream(true)
        .start();
    byte[] out = p.getInputStream().readAllBytes();
    p.waitFor(30, TimeUnit.SECONDS);
    return new String(out, java.nio.charset.StandardCharsets.UTF_8);
  }

  private String queue(KeepAliveClient client) throws IOException {
    return server.queue(client, deployment, "{}");
  }

  private String status(KeepAliveClient client, String runId) throws IOException {
    return server.run(client, runId).path("status").asText();
  }

  @Override
  public void close() throws IOException {
    worker.destroy(); // SIGTERM: the worker drains (nothing runs) and exits
    try {
      if (!worker.waitFor(30, TimeUnit.SECONDS)) {
        worker.destroyForcibly();
      }
    } catch (InterruptedException e) {
      worker.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    server.close();
  }
}

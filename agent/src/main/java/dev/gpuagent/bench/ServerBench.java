package dev.gpuagent.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gpuagent.metrics.Metrics;
import dev.gpuagent.ops.NodeRegistry;
import dev.gpuagent.server.ControlPlane;
import dev.gpuagent.server.ServerSettings;
import dev.gpuagent.server.identity.JdbcIdentityStore;
import dev.gpuagent.server.store.NewDeployment;
import dev.gpuagent.server.store.NewRun;
import dev.gpuagent.server.store.Stores;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code bench server}: the control plane in this process on a data folder of its own (the real
 * SQLite store, durable as in production), driven over loopback HTTP/1.1 and the worker WebSocket.
 *
 * <ul>
 *   <li>dispatch latency: from sending {@code POST /api/run/deployment/queue} to the {@code lease} frame
 *       received by a connected {@link BenchWorker}, one run in flight at a time (the worker has spare
 *       slots, so a slot is always free and the figure is the queue-and-push path alone);</li>
 *   <li>the same under load: several clients queueing as fast as they can while the worker leases and
 *       finishes every run (runs per second of the whole cycle, and the latency of each);</li>
 *   <li>queue throughput: runs acknowledged per second with no worker connected (each 200 is a durable
 *       commit), several keep-alive clients.</li>
 * </ul>
 */
public final class ServerBench implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** A real deployment: one run input (validated on every queue call) applied to a small graph. */
  static final String WORKFLOW = """
      {"1": {"class_type": "ComfyUIDeployExternalNumberInt", "inputs": {"input_id": "width", "default_value": 64}},
       "2": {"class_type": "EmptyImage", "inputs": {"width": ["1", 0], "height": 64, "batch_size": 1, "color": 255}},
       "3": {"class_type": "ImageInvert", "inputs": {"image": ["2", 0]}},
       "4": {"class_type": "SaveImage", "inputs": {"images": ["3", 0], "filename_prefix": "bench"}}}""";

  private final ControlPlane server;
  private final boolean jdkClient;
  private final String apiKey;
  private final String workerToken;
  private final String deploymentId;
  private final String queueBody;

  private ServerBench(ControlPlane server, boolean jdkClient) throws IOException, InterruptedException {
    this.server = server;
    this.jdkClient = jdkClient;
    this.apiKey = server.identity().createApiKey(server.organisation().id(), "bench").plaintext();
    this.workerToken = server.identity().createWorkerToken("bench").plaintext();
    try (HttpClient client = http()) {
      String body = "{\"name\":\"bench\",\"workflow_api\":" + WORKFLOW + "}";
      HttpResponse<String> created = client.send(post("/api/deployments", body), BodyHandlers.ofString());
      if (created.statusCode() != 200) {
        throw new IllegalStateException("creating the bench deployment: " + created.statusCode() + " " + created.body());
      }
      this.deploymentId = JSON.readTree(created.body()).get("id").asText();
    }
    this.queueBody = "{\"deployment_id\":\"" + deploymentId + "\",\"inputs\":{\"width\":32}}";
  }

  /**
   * Starts the control plane on loopback, port 0, with its store in {@code dataDir}. The queue calls
   * go through {@link KeepAliveClient}, or java.net.http's client with {@code jdkClient}.
   */
  public static ServerBench start(Path dataDir, boolean jdkClient) throws IOException, InterruptedException {
    Files.createDirectories(dataDir);
    ServerSettings settings = new ServerSettings("127.0.0.1", 0, dataDir, dataDir.resolve("no-deployments"),
        "bench", 1 << 20);
    ControlPlane server = ControlPlane.start(settings, Metrics.prometheus(), NodeRegistry.standard(), run -> { },
        Clock.systemUTC());
    try {
      return new ServerBench(server, jdkClient);
    } catch (IOException | InterruptedException | RuntimeException e) {
      server.close();
      throw e;
    }
  }

  public int port() {
    return server.port();
  }

  /**
   * The floor under every figure here: {@code runs} durable commits one after another (an UPDATE of
   * one run row, each waited for, as the dispatcher waits for its writes) on a store of its own beside
   * the server's, so the disk's sync latency at the time of the run is in the report.
   */
  public static Sample storeCommits(Path dir, int runs) throws IOException {
    Files.createDirectories(dir);
    try (Stores stores = Stores.openSqlite(dir, Clock.systemUTC())) {
      UUID org = new JdbcIdentityStore(stores.database(), Clock.systemUTC()).ensureOrganisation("bench").id();
      UUID deployment = stores.deployments().create(new NewDeployment(org, "bench", "{}", "[]", null, 60)).id();
      UUID run = stores.runs().insertAsync(new NewRun(org, deployment, "{}", "{}", null, "api", null, false,
          NewRun.DEFAULT_MAX_ATTEMPTS, 60)).join().id();
      long[] commit = new long[runs];
      long start = System.nanoTime();
      for (int i = 0; i < runs; i++) {
        long t0 = System.nanoTime();
        stores.runs().setWebhookStatus(run, "bench " + i);
        commit[i] = System.nanoTime() - t0;
      }
      return new Sample("store: durable commit, one at a time", runs, 1, System.nanoTime() - start, commit, null);
    }
  }

  /** Latencies of one case, in nanoseconds, and the wall time it took. */
  public record Sample(String name, int runs, int clients, long wallNanos, long[] queueNanos, long[] leaseNanos) {
    public double runsPerSecond() {
      return runs / (wallNanos / 1e9);
    }
  }

  /**
   * Queue-to-lease latency with one run in flight: {@code warmup} untimed runs, then {@code runs} timed.
   */
  public Sample dispatchLatency(int warmup, int runs) throws Exception {
    try (BenchWorker worker = BenchWorker.connect(server.port(), workerToken, 4); QueueClient client = client()) {
      for (int i = 0; i < warmup; i++) {
        queueAndAwaitLease(client, worker);
      }
      long[] queue = new long[runs];
      long[] lease = new long[runs];
      long start = System.nanoTime();
      for (int i = 0; i < runs; i++) {
        long[] one = queueAndAwaitLease(client, worker);
        queue[i] = one[0];
        lease[i] = one[1];
      }
      return new Sample("dispatch latency, 1 in flight", runs, 1, System.nanoTime() - start, queue, lease);
    }
  }

  /**
   * {@code clients} keep-alive clients queue {@code runs} runs, paced to {@code ratePerS} runs a second
   * in all (0: as fast as they are answered), while a worker with {@code slots} slots leases and
   * finishes each one; every run's queue-to-lease time counts, from the moment its request was sent.
   * Paced below the dispatcher's capacity this is the latency under load; unpaced, when queueing is
   * faster than dispatch, it is mostly the time a run waited in the backlog.
   */
  public Sample underLoad(String name, int runs, int clients, int slots, double ratePerS) throws Exception {
    try (BenchWorker worker = BenchWorker.connect(server.port(), workerToken, slots)) {
      ConcurrentLinkedQueue<String[]> sentQueue = new ConcurrentLinkedQueue<>();
      Timed queued = queueConcurrently(name, runs, clients, ratePerS, sentQueue);
      List<String[]> sent = new ArrayList<>(sentQueue);
      // The worker may lag far behind the clients when dispatch is slower than queueing: wait as long
      // as leases keep coming, and give up after 30 s without one. Leases come in about queue order,
      // so one pointer over the list finds the first run still waiting.
      long lastProgress = System.nanoTime();
      int waiting = 0;
      while (worker.failure() == null && System.nanoTime() - lastProgress < TimeUnit.SECONDS.toNanos(30)) {
        int before = waiting;
        while (waiting < sent.size() && worker.leaseArrival(sent.get(waiting)[0]) != null) {
          waiting++;
        }
        if (waiting == sent.size()) {
          break;
        }
        if (waiting != before) {
          lastProgress = System.nanoTime();
        }
        Thread.sleep(5);
      }
      long wall = System.nanoTime() - queued.startNanos;
      long[] lease = new long[runs];
      int i = 0;
      for (String[] s : sent) {
        Long arrived = worker.leaseArrival(s[0]);
        if (arrived == null) {
          throw new IllegalStateException("run " + s[0] + " was not leased (no lease for 30 s)"
              + (worker.failure() == null ? "" : ": " + worker.failure()));
        }
        lease[i++] = arrived - Long.parseLong(s[1]);
      }
      return new Sample(name, runs, clients, wall, queued.sample.queueNanos(), lease);
    }
  }

  /** Runs acknowledged per second with no worker connected: the API and the durable store alone. */
  public Sample queueThroughput(int runs, int clients) throws Exception {
    return queueConcurrently("queue throughput (no worker)", runs, clients, 0, null).sample;
  }

  private record Timed(Sample sample, long startNanos) {}

  private Timed queueConcurrently(String name, int runs, int clients, double ratePerS,
      ConcurrentLinkedQueue<String[]> sent)
      throws Exception {
    AtomicInteger next = new AtomicInteger();
    long[] queue = new long[runs];
    List<Thread> threads = new ArrayList<>();
    List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<QueueClient> pool = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      pool.add(client());
    }
    long start = System.nanoTime();
    for (int c = 0; c < clients; c++) {
      QueueClient client = pool.get(c);
      threads.add(Thread.ofPlatform().name("bench-client-" + c).start(() -> {
        try {
          for (int i = next.getAndIncrement(); i < runs; i = next.getAndIncrement()) {
            if (ratePerS > 0) {
              long due = start + (long) (i * 1e9 / ratePerS);
              long wait = due - System.nanoTime();
              if (wait > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(wait);
              }
            }
            long t0 = System.nanoTime();
            String runId = client.queue();
            queue[i] = System.nanoTime() - t0;
            if (sent != null) {
              sent.add(new String[] {runId, Long.toString(t0)});
            }
          }
        } catch (Exception | AssertionError e) {
          errors.add(e);
          next.set(runs);
        }
      }));
    }
    for (Thread t : threads) {
      t.join();
    }
    long wall = System.nanoTime() - start;
    for (QueueClient client : pool) {
      client.close();
    }
    if (!errors.isEmpty()) {
      throw new IllegalStateException("queue call failed: " + errors.getFirst(), errors.getFirst());
    }
    return new Timed(new Sample(name, runs, clients, wall, queue, null), start);
  }

  private long[] queueAndAwaitLease(QueueClient client, BenchWorker worker) throws Exception {
    long t0 = System.nanoTime();
    String runId = client.queue();
    long answered = System.nanoTime();
    long deadline = t0 + TimeUnit.SECONDS.toNanos(10);
    Long arrived;
    while ((arrived = worker.awaitLease(runId, deadline)) == null) {
      if (worker.failure() != null) {
        throw new IllegalStateException("bench worker: " + worker.failure());
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no lease for run " + runId + " within 10 s");
      }
    }
    worker.forget(runId);
    // One run in flight means the previous one has ended before the next is queued: otherwise its
    // lease_ack and run_finished writes would still be ahead of the next run's in the store's queue.
    long ended = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!"success".equals(client.status(runId))) {
      if (System.nanoTime() > ended) {
        throw new IllegalStateException("run " + runId + " did not end within 10 s of its lease");
      }
      Thread.sleep(0, 200_000);
    }
    return new long[] {answered - t0, arrived - t0};
  }

  /** One client connection that queues the bench's run and answers its id, and reads a run's status. */
  private interface QueueClient extends AutoCloseable {
    String queue() throws IOException, InterruptedException;

    String status(String runId) throws IOException, InterruptedException;

    @Override
    void close() throws IOException;
  }

  private QueueClient client() throws IOException {
    if (jdkClient) {
      HttpClient client = http();
      return new QueueClient() {
        @Override
        public String queue() throws IOException, InterruptedException {
          HttpResponse<String> r = client.send(post("/api/run/deployment/queue", queueBody), BodyHandlers.ofString());
          return runId(r.statusCode(), r.body());
        }

        @Override
        public String status(String runId) throws IOException, InterruptedException {
          HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
              + "/api/run/" + runId)).header("Authorization", "Bearer " + apiKey).build(), BodyHandlers.ofString());
          return runStatus(r.statusCode(), r.body());
        }

        @Override
        public void close() {
          client.close();
        }
      };
    }
    KeepAliveClient client = new KeepAliveClient(server.port());
    return new QueueClient() {
      @Override
      public String queue() throws IOException {
        KeepAliveClient.Answer r = client.post("/api/run/deployment/queue", apiKey, queueBody);
        return runId(r.status(), r.body());
      }

      @Override
      public String status(String runId) throws IOException {
        KeepAliveClient.Answer r = client.get("/api/run/" + runId, apiKey);
        return runStatus(r.status(), r.body());
      }

      @Override
      public void close() throws IOException {
        client.close();
      }
    };
  }

  private static String runId(int status, String body) throws IOException {
    if (status != 200) {
      throw new IllegalStateException("queue answered " + status + ": " + body);
    }
    JsonNode json = JSON.readTree(body);
    return json.get("run_id").asText();
  }

  private static String runStatus(int code, String body) throws IOException {
    if (code != 200) {
      throw new IllegalStateException("get run answered " + code + ": " + body);
    }
    return JSON.readTree(body).get("status").asText();
  }

  private HttpRequest post(String path, String body) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .header("Authorization", "Bearer " + apiKey).header("Content-Type", "application/json")
        .POST(BodyPublishers.ofString(body)).build();
  }

  private static HttpClient http() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** The {@code p}-th percentile (0..100) of {@code nanos}, in milliseconds (nearest rank). */
  public static double percentileMs(long[] nanos, double p) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))] / 1e6;
  }

  @Override
  public void close() {
    server.close();
  }
}

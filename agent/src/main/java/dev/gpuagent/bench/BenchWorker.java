package dev.gpuagent.bench;

import dev.gpuagent.protocol.ProtocolCodec;
import dev.gpuagent.protocol.ProtocolException;
import dev.gpuagent.protocol.ServerMessage;
import dev.gpuagent.protocol.SlotInfo;
import dev.gpuagent.protocol.WorkerMessage;
import dev.gpuagent.protocol.RunOutcome;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The smallest worker that speaks docs/protocol.md, for {@code bench server}: hello with CPU slots,
 * then every lease is acknowledged and finished as {@code success} at once, and its arrival time
 * (taken before the frame is decoded) is kept by run id so the bench can compute queue-to-lease latency.
 * Heartbeats go out on the welcome's interval so a long bench is not closed as silent.
 */
public final class BenchWorker implements AutoCloseable {
  private final ProtocolCodec codec = new ProtocolCodec();
  private final Map<String, CompletableFuture<Long>> leaseArrivals = new ConcurrentHashMap<>();
  private final CompletableFuture<ServerMessage.Welcome> welcome = new CompletableFuture<>();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private volatile boolean closing;
  private static final AtomicLong CONNECTIONS = new AtomicLong();
  private final AtomicLong leased = new AtomicLong();
  private final AtomicLong finished = new AtomicLong();
  private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "bench-worker-heartbeat");
    t.setDaemon(true);
    return t;
  });
  private final HttpClient client = HttpClient.newHttpClient();
  private volatile WebSocket socket;
  private volatile String failure;

  private BenchWorker() {}

  /** Connects with the worker token, sends hello with {@code slots} CPU slots and waits for the welcome. */
  public static BenchWorker connect(int port, String token, int slots) {
    BenchWorker worker = new BenchWorker();
    worker.socket = worker.client.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
        .header("Authorization", "Bearer " + token)
        .buildAsync(URI.create("ws://127.0.0.1:" + port + "/worker/v1/connect"), worker.new Listener())
        .orTimeout(10, TimeUnit.SECONDS).join();
    List<SlotInfo> offered = new ArrayList<>();
    for (int i = 0; i < slots; i++) {
      offered.add(SlotInfo.cpu("cpu" + i));
    }
    // A name of its own per connection: the same name would make the server treat it as a reconnect
    // of the previous bench worker and re-queue that one's unfinished leases onto this one.
    worker.send(new WorkerMessage.Hello(1, "bench-worker-" + CONNECTIONS.incrementAndGet(), "bench", Map.of(),
        offered, List.of()));
    ServerMessage.Welcome w = worker.welcome.orTimeout(10, TimeUnit.SECONDS).join();
    long every = Math.max(50, w.heartbeatIntervalMs());
    worker.heartbeats.scheduleAtFixedRate(() -> worker.send(new WorkerMessage.Heartbeat(List.of(), List.of())),
        every, every, TimeUnit.MILLISECONDS);
    return worker;
  }

  /** When the lease for {@code runId} arrived ({@link System#nanoTime}), or null if it has not (yet). */
  public Long leaseArrival(String runId) {
    CompletableFuture<Long> arrival = leaseArrivals.get(runId);
    return arrival == null ? null : arrival.getNow(null);
  }

  /**
   * Waits up to {@code deadlineNanos} ({@link System#nanoTime}) for the lease of {@code runId}; the
   * lease may have come before the caller knew the run id (the push can beat the HTTP answer).
   */
  public Long awaitLease(String runId, long deadlineNanos) throws InterruptedException {
    CompletableFuture<Long> arrival = arrival(runId);
    try {
      return arrival.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      return null;
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  private CompletableFuture<Long> arrival(String runId) {
    return leaseArrivals.computeIfAbsent(runId, id -> new CompletableFuture<>());
  }

  /** Forgets a run's arrival (the bench has read it). */
  public void forget(String runId) {
    leaseArrivals.remove(runId);
  }

  public long finishedRuns() {
    return finished.get();
  }

  /** Why the connection failed, or null. */
  public String failure() {
    return failure;
  }

  private synchronized void send(WorkerMessage message) {
    // One frame at a time: java.net.http.WebSocket refuses a send while another is pending.
    socket.sendText(codec.encode(message), true).join();
  }

  private void onLease(ServerMessage.Lease lease) {
    send(new WorkerMessage.LeaseAck(lease.leaseId(), lease.runId(), lease.fencingToken()));
    send(new WorkerMessage.RunFinished(lease.leaseId(), lease.runId(), lease.fencingToken(), RunOutcome.SUCCESS,
        null, List.of(), 0.0));
    finished.incrementAndGet();
  }

  /**
   * Finishes what it was leased (up to 5 s), then closes the connection with a close handshake, so no
   * run is left leased to a gone worker (it would be re-queued into a later case once its lease expired).
   */
  @Override
  public void close() {
    heartbeats.shutdownNow();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (finished.get() < leased.get() && System.nanoTime() < deadline && failure == null) {
      Thread.onSpinWait();
      Thread.yield();
    }
    WebSocket s = socket;
    if (s != null) {
      try {
        closing = true;
        synchronized (this) {
          s.sendClose(WebSocket.NORMAL_CLOSURE, "bench done").get(2, TimeUnit.SECONDS);
        }
        // The server's close reply means it has read every frame before ours.
        closed.get(2, TimeUnit.SECONDS);
      } catch (Exception e) {
        // closing anyway
      }
      s.abort();
    }
    client.close();
  }

  private final class Listener implements WebSocket.Listener {
    private final StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      long arrived = System.nanoTime();
      partial.append(data);
      if (last) {
        String frame = partial.toString();
        partial.setLength(0);
        try {
          switch (codec.decodeServerMessage(frame)) {
            case ServerMessage.Welcome w -> welcome.complete(w);
            case ServerMessage.Lease lease -> {
              arrival(lease.runId()).complete(arrived);
              leased.incrementAndGet();
              // Off the listener thread: sends join, and the listener must keep reading meanwhile.
              CompletableFuture.runAsync(() -> onLease(lease));
            }
            default -> { }
          }
        } catch (ProtocolException e) {
          failure = "server sent an invalid frame: " + e.getMessage();
        }
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
      closed.complete(null);
      if (closing) {
        return null;
      }
      failure = "server closed the connection: " + statusCode + " " + reason;
      welcome.completeExceptionally(new IllegalStateException(failure));
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      closed.complete(null);
      if (closing) {
        return;
      }
      failure = "connection failed: " + error;
      welcome.completeExceptionally(error);
    }
  }
}

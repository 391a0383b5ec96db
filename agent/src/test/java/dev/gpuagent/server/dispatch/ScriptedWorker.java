package dev.gpuagent.server.dispatch;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.gpuagent.protocol.LeaseRef;
import dev.gpuagent.protocol.ProtocolCodec;
import dev.gpuagent.protocol.ProtocolException;
import dev.gpuagent.protocol.ServerMessage;
import dev.gpuagent.protocol.SlotInfo;
import dev.gpuagent.protocol.WorkerMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** A worker played by a test: java.net.http.WebSocket speaking the protocol with ProtocolCodec. */
public final class ScriptedWorker implements AutoCloseable {
  private final ProtocolCodec codec = new ProtocolCodec();
  private final BlockingQueue<ServerMessage> inbox = new LinkedBlockingQueue<>();
  public final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
  private final WebSocket socket;
  private ScheduledExecutorService heartbeats;

  private ScriptedWorker(WebSocket socket) {
    this.socket = socket;
  }

  /** Opens the connection; fails (CompletionException of WebSocketHandshakeException) when refused. */
  public static CompletableFuture<ScriptedWorker> open(int port, String token) {
    ScriptedWorker[] self = new ScriptedWorker[1];
    Listener listener = new Listener(self);
    WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
    if (token != null) {
      builder.header("Authorization", "Bearer " + token);
    }
    return builder.buildAsync(URI.create("ws://127.0.0.1:" + port + "/worker/v1/connect"), listener)
        .thenApply(ws -> listener.attach(new ScriptedWorker(ws)));
  }

  public static ScriptedWorker connect(int port, String token) {
    return open(port, token).join();
  }

  /** Sends hello and returns the welcome. */
  public ServerMessage.Welcome hello(String name, List<SlotInfo> slots, List<LeaseRef> resume) {
    return hello(name, slots, resume, Duration.ofSeconds(5));
  }

  /** As above, waiting up to {@code timeout} (a server in a cold child JVM on a busy machine is slow). */
  public ServerMessage.Welcome hello(String name, List<SlotInfo> slots, List<LeaseRef> resume, Duration timeout) {
    return hello(1, name, slots, resume, timeout);
  }

  /** Sends a hello offering protocol version {@code version} (these scripts speak 1 unless told). */
  public ServerMessage.Welcome hello(int version, String name, List<SlotInfo> slots, List<LeaseRef> resume,
      Duration timeout) {
    send(new WorkerMessage.Hello(version, name, "0.1.0", Map.of(), slots, resume));
    return await(ServerMessage.Welcome.class, timeout);
  }

  public synchronized void send(WorkerMessage message) {
    sendText(codec.encode(message));
  }

  public synchronized void sendText(String text) {
    socket.sendText(text, true).join();
  }

  /** Heartbeats (listing {@code leases}) every {@code every} until closed. */
  public void heartbeatEvery(Duration every, List<LeaseRef> leases) {
    heartbeats = Executors.newSingleThreadScheduledExecutor();
    heartbeats.scheduleAtFixedRate(() -> {
      try {
        send(new WorkerMessage.Heartbeat(leases, List.of()));
      } catch (RuntimeException e) {
        // closed
      }
    }, 0, every.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The next message of {@code type}, skipping others; fails after {@code timeout}. */
  public <T extends ServerMessage> T await(Class<T> type, Duration timeout) {
    T found = poll(type, timeout);
    assertNotNull(found, "no " + type.getSimpleName() + " within " + timeout);
    return found;
  }

  public <T extends ServerMessage> T poll(Class<T> type, Duration timeout) {
    long end = System.nanoTime() + timeout.toNanos();
    try {
      while (true) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          return null;
        }
        ServerMessage m = inbox.poll(left, TimeUnit.NANOSECONDS);
        if (type.isInstance(m)) {
          return type.cast(m);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Drops the TCP connection without a close handshake (a crashed worker). */
  public void abort() {
    stopHeartbeats();
    socket.abort();
  }

  private void stopHeartbeats() {
    if (heartbeats != null) {
      heartbeats.shutdownNow();
    }
  }

  @Override
  public void close() {
    stopHeartbeats();
    socket.abort();
  }

  private static final class Listener implements WebSocket.Listener {
    private final StringBuilder partial = new StringBuilder();
    private final ScriptedWorker[] self;
    private final List<ServerMessage> early = new ArrayList<>();

    Listener(ScriptedWorker[] self) {
      this.self = self;
    }

    synchronized ScriptedWorker attach(ScriptedWorker worker) {
      self[0] = worker;
      worker.inbox.addAll(early);
      return worker;
    }

    @Override
    public synchronized CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        try {
          ServerMessage m = new ProtocolCodec().decodeServerMessage(partial.toString());
          if (self[0] == null) {
            early.add(m);
          } else {
            self[0].inbox.add(m);
          }
        } catch (ProtocolException e) {
          throw new AssertionError("server sent an invalid frame: " + partial, e);
        }
        partial.setLength(0);
      }
      ws.request(1);
      return null;
    }

    @Override
    public synchronized CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
      if (self[0] != null) {
        self[0].closeCode.complete(statusCode);
      }
      return null;
    }
  }
}

package dev.gpuagent.cli;

import dev.gpuagent.protocol.OutputImage;
import dev.gpuagent.protocol.OutputSummary;
import dev.gpuagent.protocol.ProtocolCodec;
import dev.gpuagent.protocol.ProtocolException;
import dev.gpuagent.protocol.RunError;
import dev.gpuagent.protocol.RunOutcome;
import dev.gpuagent.protocol.ServerMessage;
import dev.gpuagent.protocol.SlotInfo;
import dev.gpuagent.protocol.WorkerMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A worker played by the submit tests (the approach of server.dispatch's ScriptedWorker): each lease
 * is acknowledged, reported as node started with progress, and then, as {@link Mode} says, finished
 * with an uploaded PNG, failed, or held until the server pushes a cancel.
 */
final class SubmitWorker implements AutoCloseable {
  enum Mode { SUCCEED, FAIL, HOLD_UNTIL_CANCEL }

  static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 1, 2, 3, 4};

  private final ProtocolCodec codec = new ProtocolCodec();
  private final HttpClient http = HttpClient.newHttpClient();
  private final int port;
  private final String token;
  private final Mode mode;
  final BlockingQueue<ServerMessage.Lease> leases = new LinkedBlockingQueue<>();
  final BlockingQueue<ServerMessage.Cancel> cancels = new LinkedBlockingQueue<>();
  private final CompletableFuture<ServerMessage.Welcome> welcome = new CompletableFuture<>();
  private WebSocket socket;

  private SubmitWorker(int port, String token, Mode mode) {
    this.port = port;
    this.token = token;
    this.mode = mode;
  }

  static SubmitWorker connect(int port, String token, Mode mode) {
    SubmitWorker worker = new SubmitWorker(port, token, mode);
    worker.socket = worker.http.newWebSocketBuilder().header("Authorization", "Bearer " + token)
        .buildAsync(URI.create("ws://127.0.0.1:" + port + "/worker/v1/connect"), worker.new Listener())
        .orTimeout(10, TimeUnit.SECONDS).join();
    worker.send(new WorkerMessage.Hello(1, "submit-test", "0.1.0", Map.of(), List.of(SlotInfo.cpu("cpu0")), List.of()));
    worker.welcome.orTimeout(10, TimeUnit.SECONDS).join();
    return worker;
  }

  private synchronized void send(WorkerMessage message) {
    socket.sendText(codec.encode(message), true).join();
  }

  private void run(ServerMessage.Lease lease) {
    String id = lease.leaseId();
    String run = lease.runId();
    long token = lease.fencingToken();
    send(new WorkerMessage.LeaseAck(id, run, token));
    send(new WorkerMessage.NodeStarted(id, run, token, "7", "ImageBlur", 1, 3));
    send(new WorkerMessage.Progress(id, run, token, 0.5, "Executing ImageBlur (2/3) step 2/4", "7", 2, 4));
    leases.add(lease);
    switch (mode) {
      case SUCCEED -> {
        upload(lease, "showcase_00001_.png");
        send(new WorkerMessage.RunFinished(id, run, token, RunOutcome.SUCCESS, null,
            List.of(new OutputSummary("10", "SaveImage", List.of(new OutputImage("showcase_00001_.png", "", "output")),
                List.of())), 12.0));
      }
      case FAIL -> send(new WorkerMessage.RunFinished(id, run, token, RunOutcome.FAILED,
          new RunError("7", "ImageBlur", "out of memory", "out_of_memory"), List.of(), 5.0));
      case HOLD_UNTIL_CANCEL -> { } // answered when the cancel comes
    }
  }

  private void upload(ServerMessage.Lease lease, String filename) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
              + lease.uploadUrl().replace("{filename}", filename)))
          .header("Authorization", "Bearer " + token).header("X-Fencing-Token", Long.toString(lease.fencingToken()))
          .header("Content-Type", "image/png").timeout(Duration.ofSeconds(10))
          .PUT(HttpRequest.BodyPublishers.ofByteArray(PNG)).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 201) {
        throw new IllegalStateException("upload answered " + r.statusCode() + " " + r.body());
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private void onCancel(ServerMessage.Cancel cancel) {
    cancels.add(cancel);
    send(new WorkerMessage.RunFinished(cancel.leaseId(), cancel.runId(), cancel.fencingToken(), RunOutcome.CANCELLED,
        new RunError("7", "ImageBlur", "cancelled at step 2/4", "cancelled"), List.of(), 20.0));
  }

  @Override
  public void close() {
    socket.abort();
    http.close();
  }

  private final class Listener implements WebSocket.Listener {
    private final StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        try {
          switch (codec.decodeServerMessage(partial.toString())) {
            case ServerMessage.Welcome w -> welcome.complete(w);
            case ServerMessage.Lease lease -> CompletableFuture.runAsync(() -> run(lease));
            case ServerMessage.Cancel cancel -> CompletableFuture.runAsync(() -> onCancel(cancel));
            default -> { }
          }
        } catch (ProtocolException e) {
          throw new AssertionError("server sent an invalid frame: " + partial, e);
        }
        partial.setLength(0);
      }
      ws.request(1);
      return null;
    }
  }
}

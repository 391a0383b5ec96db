package dev.gpuagent.server.dispatch;

import dev.gpuagent.protocol.ProtocolCodec;
import dev.gpuagent.protocol.ServerMessage;
import dev.gpuagent.protocol.SlotInfo;
import dev.gpuagent.protocol.SlotKind;
import dev.gpuagent.protocol.SlotState;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * One worker WebSocket: the token it authenticated with, and after {@code hello} the worker's id,
 * slots and drain state. Only the dispatcher thread touches the mutable state; sending is safe from
 * any thread (Netty queues writes in order).
 */
final class WorkerConnection {
  /** One slot the worker offered in its hello, with the dispatcher's accounting. */
  static final class Slot {
    final SlotInfo info;
    SlotState state = SlotState.IDLE;
    LeaseHold hold;
    /** A claim for this slot is in flight in the store: the slot is busy until it is answered. */
    boolean claiming;
    Instant freeSince;

    Slot(SlotInfo info, Instant now) {
      this.info = info;
      this.freeSince = now;
    }

    /** No lease, no claim in flight, and not reported unhealthy. */
    boolean isFree() {
      return hold == null && !claiming && state != SlotState.UNHEALTHY;
    }

    boolean isGpu() {
      return info.kind() == SlotKind.GPU;
    }
  }

  private final Channel channel;
  private final ProtocolCodec codec;
  final UUID tokenId;
  String workerId;
  String name;
  /** The version agreed in the welcome. */
  int protocolVersion;
  boolean draining;
  boolean closed;
  final Map<String, Slot> slots = new LinkedHashMap<>();

  WorkerConnection(Channel channel, ProtocolCodec codec, UUID tokenId) {
    this.channel = channel;
    this.codec = codec;
    this.tokenId = tokenId;
  }

  boolean helloDone() {
    return workerId != null;
  }

  void send(ServerMessage message) {
    if (channel.isActive()) {
      channel.writeAndFlush(new TextWebSocketFrame(codec.encode(message)));
    }
  }

  /** Sends a close frame with {@code code}, then closes the socket. */
  void close(int code, String reason) {
    closed = true;
    if (channel.isActive()) {
      channel.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public String toString() {
    return workerId == null ? "connection " + channel.id().asShortText() : "worker " + workerId + " (" + name + ")";
  }
}

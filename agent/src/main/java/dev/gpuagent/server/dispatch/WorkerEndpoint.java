package dev.gpuagent.server.dispatch;

import dev.gpuagent.protocol.Protocol;
import dev.gpuagent.protocol.ProtocolCodec;
import dev.gpuagent.server.identity.IdentityStore;
import dev.gpuagent.server.identity.WorkerCredential;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.timeout.IdleStateHandler;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code GET /worker/v1/connect}: sits in the HTTP pipeline before the API handler; every other
 * request passes through. Authenticates the worker token (an API key, like a missing or revoked
 * token, is 401 before any upgrade), completes the WebSocket handshake, and turns the connection's
 * pipeline into the worker protocol's: frame size limit (1009), continuation aggregation, the
 * silent-peer timeout (4002), and {@link WorkerSocket}.
 */
public final class WorkerEndpoint extends ChannelInboundHandlerAdapter {
  private final IdentityStore identity;
  private final RunDispatcher dispatcher;

  WorkerEndpoint(IdentityStore identity, RunDispatcher dispatcher) {
    this.identity = identity;
    this.dispatcher = dispatcher;
  }

  /** A new handler per connection, for {@code HttpApiServer}'s pipeline hook. */
  public static Supplier<ChannelHandler> factory(IdentityStore identity, RunDispatcher dispatcher) {
    return () -> new WorkerEndpoint(identity, dispatcher);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof FullHttpRequest request) || !isConnectPath(request.uri())) {
      ctx.fireChannelRead(msg);
      return;
    }
    try {
      upgrade(ctx, request);
    } finally {
      request.release();
    }
  }

  static boolean isConnectPath(String uri) {
    int query = uri.indexOf('?');
    return (query < 0 ? uri : uri.substring(0, query)).equals(Protocol.CONNECT_PATH);
  }

  private void upgrade(ChannelHandlerContext ctx, FullHttpRequest request) {
    if (!HttpMethod.GET.equals(request.method())) {
      refuse(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "Method not allowed");
      return;
    }
    Optional<WorkerCredential> credential = bearer(request).flatMap(identity::authenticateWorkerToken);
    if (credential.isEmpty()) {
      refuse(ctx, HttpResponseStatus.UNAUTHORIZED, "Invalid or missing worker token");
      return;
    }
    DispatchSettings settings = dispatcher.settings();
    WebSocketDecoderConfig decoder = WebSocketDecoderConfig.newBuilder()
        .maxFramePayloadLength(settings.maxFrameBytes()).allowExtensions(false).closeOnProtocolViolation(true)
        .build();
    WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(
        "ws://" + request.headers().get(HttpHeaderNames.HOST, "localhost") + Protocol.CONNECT_PATH, null, decoder)
        .newHandshaker(request);
    if (handshaker == null) {
      WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
      return;
    }
    ChannelPipeline pipeline = ctx.pipeline();
    for (String name : new String[] {"keepAlive", "aggregator", "api", "idle"}) {
      if (pipeline.get(name) != null) {
        pipeline.remove(name);
      }
    }
    WorkerConnection conn = new WorkerConnection(ctx.channel(),
        new ProtocolCodec(settings.maxFrameBytes()), credential.get().tokenId());
    long silentMs = settings.heartbeatInterval().toMillis() * 3;
    pipeline.addBefore(ctx.name(), "ws-idle", new IdleStateHandler(silentMs, 0, 0, TimeUnit.MILLISECONDS));
    pipeline.addAfter(ctx.name(), "ws-aggregator", new WebSocketFrameAggregator(settings.maxFrameBytes()));
    pipeline.addAfter("ws-aggregator", "ws-worker", new WorkerSocket(conn, dispatcher));
    handshaker.handshake(ctx.channel(), request).addListener(f -> {
      if (f.isSuccess()) {
        ctx.executor().schedule(() -> dispatcher.helloDeadline(conn), settings.helloTimeout().toMillis(),
            TimeUnit.MILLISECONDS);
      } else {
        ctx.channel().close();
      }
    });
    pipeline.remove(this);
  }

  private static Optional<String> bearer(FullHttpRequest request) {
    String header = request.headers().get(HttpHeaderNames.AUTHORIZATION);
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.empty();
    }
    String token = header.substring(7).strip();
    return token.isEmpty() ? Optional.empty() : Optional.of(token);
  }

  private static void refuse(ChannelHandlerContext ctx, HttpResponseStatus status, String detail) {
    byte[] body = ("{\"detail\":\"" + detail + "\"}").getBytes(StandardCharsets.UTF_8);
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
        Unpooled.wrappedBuffer(body));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    if (status == HttpResponseStatus.UNAUTHORIZED) {
      response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
    }
    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
  }
}

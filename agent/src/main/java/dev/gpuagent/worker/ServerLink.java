package dev.gpuagent.worker;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WebSocket connection to the server's worker endpoint, on a Netty event loop. Text frames go to
 * the {@link Listener} in order on the event loop thread; {@link #send} may be called from any
 * thread. The close code the server sent (4000 replaced, 1008 revoked, ...) is reported once.
 */
final class ServerLink {
  private static final Logger LOG = LoggerFactory.getLogger(ServerLink.class);

  /** What the link reports; called on its event loop thread. */
  interface Listener {
    void onText(ServerLink link, String text);

    /** The connection ended; {@code code} is the peer's close code, or -1 when it just went away. */
    void onClosed(ServerLink link, int code, String reason);
  }

  /** The upgrade was refused with an HTTP status (401: the token is not valid). */
  static final class RefusedException extends Exception {
    private final int status;

    RefusedException(int status, String message) {
      super(message);
      this.status = status;
    }

    int status() {
      return status;
    }
  }

  private final Channel channel;
  /**
   * Text frames waiting for the event loop. A run's messages come from its slot thread microseconds
   * apart; writing them from one task with one flush costs one write call and one event-loop wake-up
   * for the lot, where a {@code writeAndFlush} each cost one of both per frame.
   */
  private final Queue<String> outbox = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private volatile int closeCode = -1;
  private volatile String closeReason = "";
  private volatile long lastFrameNanos = System.nanoTime();

  private ServerLink(Channel channel) {
    this.channel = channel;
  }

  /**
   * Connects and completes the WebSocket handshake. The future fails with {@link RefusedException}
   * when the server answers the upgrade with an HTTP error, or with the I/O failure.
   */
  static CompletableFuture<ServerLink> open(EventLoopGroup group, URI uri, String token, int maxFrameBytes,
      Listener listener) {
    CompletableFuture<ServerLink> opened = new CompletableFuture<>();
    boolean tls = "wss".equals(uri.getScheme());
    SslContext ssl;
    try {
      ssl = tls ? SslContextBuilder.forClient().build() : null;
    } catch (SSLException e) {
      opened.completeExceptionally(e);
      return opened;
    }
    DefaultHttpHeaders headers = new DefaultHttpHeaders();
    headers.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token);
    WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
        .webSocketUri(uri)
        .customHeaders(headers)
        .maxFramePayloadLength(maxFrameBytes)
        .handleCloseFrames(false)
        .dropPongFrames(false)
        .handshakeTimeoutMillis(10_000)
        .build();
    Handler handler = new Handler(opened, listener);
    Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (ssl != null) {
              ch.pipeline().addLast(ssl.newHandler(ch.alloc(), uri.getHost(), uri.getPort()));
            }
            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(64 * 1024),
                new WebSocketClientProtocolHandler(config), new WebSocketFrameAggregator(maxFrameBytes), handler);
          }
        });
    bootstrap.connect(uri.getHost(), uri.getPort()).addListener(f -> {
      if (!f.isSuccess()) {
        opened.completeExceptionally(f.cause());
      }
    });
    return opened;
  }

  /**
   * Queues one text frame; false when the connection is gone (the caller buffers instead). Frames
   * leave in the order of the calls.
   */
  boolean send(String text) {
    if (!channel.isActive()) {
      return false;
    }
    outbox.add(text);
    if (drainScheduled.compareAndSet(false, true)) {
      channel.eventLoop().execute(this::drain);
    }
    return true;
  }

  /** On the event loop: writes every queued frame, then flushes once. */
  private void drain() {
    drainScheduled.set(false); // before polling: a frame queued after the last poll schedules another drain
    boolean wrote = false;
    for (String text = outbox.poll(); text != null; text = outbox.poll()) {
      channel.write(new TextWebSocketFrame(text));
      wrote = true;
    }
    if (wrote) {
      channel.flush();
    }
  }

  void ping() {
    if (channel.isActive()) {
      channel.writeAndFlush(new PingWebSocketFrame(Unpooled.EMPTY_BUFFER));
    }
  }

  /** Sends a close frame with {@code code} and closes the connection once it is written. */
  void close(int code, String reason) {
    if (channel.isActive()) {
      channel.eventLoop().execute(() -> {
        drain(); // what was sent before the close goes first
        channel.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(f -> channel.close());
      });
    } else {
      channel.close();
    }
  }

  boolean isOpen() {
    return channel.isActive();
  }

  /** When the last frame of any kind (pong included) arrived. */
  long lastFrameNanos() {
    return lastFrameNanos;
  }

  /** Completes when the connection has closed. */
  CompletableFuture<Void> closed() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    channel.closeFuture().addListener(f -> done.complete(null));
    return done;
  }

  @Override
  public String toString() {
    return "link " + channel.remoteAddress();
  }

  private static final class Handler extends SimpleChannelInboundHandler<WebSocketFrame> {
    private final CompletableFuture<ServerLink> opened;
    private final Listener listener;
    private ServerLink link;

    Handler(CompletableFuture<ServerLink> opened, Listener listener) {
      this.opened = opened;
      this.listener = listener;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
      if (event == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
        link = new ServerLink(ctx.channel());
        opened.complete(link);
      } else if (event == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
        opened.completeExceptionally(new java.io.IOException("WebSocket handshake timed out"));
        ctx.close();
      }
      super.userEventTriggered(ctx, event);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
      if (link == null) {
        return;
      }
      link.lastFrameNanos = System.nanoTime();
      if (frame instanceof TextWebSocketFrame text) {
        listener.onText(link, text.content().toString(StandardCharsets.UTF_8));
      } else if (frame instanceof CloseWebSocketFrame close) {
        link.closeCode = close.statusCode();
        link.closeReason = close.reasonText();
        ctx.writeAndFlush(new CloseWebSocketFrame(close.statusCode() < 0 ? 1000 : close.statusCode(), ""))
            .addListener(f -> ctx.close());
      } else if (!(frame instanceof io.netty.handler.codec.http.websocketx.PongWebSocketFrame)
          && !(frame instanceof PingWebSocketFrame)) {
        LOG.debug("ignoring a {} from the server", frame.getClass().getSimpleName());
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      if (!opened.isDone()) {
        opened.completeExceptionally(new java.io.IOException("connection closed during the WebSocket handshake"));
      } else if (link != null) {
        listener.onClosed(link, link.closeCode, link.closeReason);
      }
      super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (!opened.isDone()) {
        if (cause instanceof WebSocketClientHandshakeException refused && refused.response() != null) {
          int status = refused.response().status().code();
          String body = refused.response() instanceof io.netty.handler.codec.http.FullHttpResponse full
              && ByteBufUtil.isText(full.content(), StandardCharsets.UTF_8)
              ? full.content().toString(StandardCharsets.UTF_8) : "";
          opened.completeExceptionally(new RefusedException(status, "the server refused the connection: HTTP "
              + status + (body.isBlank() ? "" : " " + body.strip())));
        } else {
          opened.completeExceptionally(cause);
        }
      } else {
        LOG.warn("connection to the server failed: {}", cause.toString());
      }
      ctx.close();
    }
  }
}

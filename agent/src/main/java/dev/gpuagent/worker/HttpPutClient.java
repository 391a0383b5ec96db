package dev.gpuagent.worker;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpContentException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * A small HTTP/1.1 client for the worker's output uploads: one {@code PUT} of a byte[] body, answered
 * by a short body (the server's JSON). It runs on a Netty event loop it is given (the worker's link
 * loop) rather than owning threads, because uploads are a few request/response exchanges per run and
 * a general-purpose client's own selector thread and executor hand-offs cost more CPU than the
 * exchanges themselves.
 *
 * <p>Connections are kept alive and reused: each origin (scheme, host, port) has a small stack of
 * idle connections, most recently used first. A connection leaves the pool when the server closes it
 * (it drops idle keep-alive connections after 75 s), when a response says {@code Connection: close},
 * or when it has been idle for a minute (so it is not picked just as the server drops it). A request
 * that fails on a reused connection before any response byte arrived is sent once more on a fresh
 * connection: the server most likely closed the idle connection while the request was on its way,
 * and a PUT may be repeated.
 *
 * <p>The result futures complete on the event loop thread: their dependents must be light.
 */
final class HttpPutClient implements AutoCloseable {
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(5);
  /** Responses are small JSON documents; anything larger is refused rather than buffered. */
  static final int MAX_RESPONSE_BYTES = 64 * 1024;
  /** Idle connections kept per origin; a few uploads (one per slot) may run at once. */
  static final int MAX_IDLE_PER_ORIGIN = 8;
  /** Older idle connections are closed instead of reused: the server's idle timeout is 75 s. */
  static final Duration MAX_IDLE = Duration.ofSeconds(60);

  /** A response: its status code and its body, decoded as UTF-8. */
  record Response(int status, String body) {}

  /** Where a connection goes: connections to one origin are interchangeable. */
  private record Origin(boolean tls, String host, int port) {
    static Origin of(URI uri) {
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https")) {
        throw new IllegalArgumentException("not an http or https URI: " + uri);
      }
      if (uri.getHost() == null) {
        throw new IllegalArgumentException("no host in " + uri);
      }
      boolean tls = scheme.equals("https");
      return new Origin(tls, uri.getHost(), uri.getPort() >= 0 ? uri.getPort() : tls ? 443 : 80);
    }

    /** The Host header: the port is left out when it is the scheme's default (RFC 9110 section 7.2). */
    String hostHeader() {
      return port == (tls ? 443 : 80) ? host : host + ":" + port;
    }

    /** The host to connect to: java.net.URI keeps the brackets of an IPv6 literal. */
    String connectHost() {
      return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }
  }

  /** One request; {@code retried} once it is being sent a second time. */
  private record Request(Origin origin, String target, Map<String, String> headers, byte[] body, boolean retried,
      CompletableFuture<Response> result) {
    Request retry() {
      return new Request(origin, target, headers, body, true, result);
    }

    /** A fresh message each time: Netty releases the buffer once written. */
    FullHttpRequest toNetty() {
      FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.PUT, target,
          Unpooled.wrappedBuffer(body));
      headers.forEach((name, value) -> request.headers().set(name, value));
      request.headers().set(HttpHeaderNames.HOST, origin.hostHeader());
      HttpUtil.setContentLength(request, body.length);
      return request;
    }
  }

  /** An idle pooled connection and since when it has been idle. */
  private record Idle(Connection connection, long sinceNanos) {}

  private final Bootstrap bootstrap;
  private final long requestTimeoutNanos;
  private final int maxResponseBytes;
  private final Set<Channel> open = ConcurrentHashMap.newKeySet();
  private final Object lock = new Object();
  // guarded by lock
  private final Map<Origin, ArrayDeque<Idle>> idle = new HashMap<>();
  private SslContext ssl;
  private boolean closed;

  HttpPutClient(EventLoopGroup group) {
    this(group, CONNECT_TIMEOUT, REQUEST_TIMEOUT, MAX_RESPONSE_BYTES, null);
  }

  /** @param ssl the TLS settings for https, or null for the JDK's trusted certificates (tests pass their own) */
  HttpPutClient(EventLoopGroup group, Duration connectTimeout, Duration requestTimeout, int maxResponseBytes,
      SslContext ssl) {
    this.bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
        .option(ChannelOption.TCP_NODELAY, true);
    this.requestTimeoutNanos = requestTimeout.toNanos();
    this.maxResponseBytes = maxResponseBytes;
    this.ssl = ssl;
  }

  /**
   * Sends {@code PUT target} with {@code headers} (Host and Content-Length are added) and {@code
   * body}. The future completes with the response, whatever its status, or exceptionally on a
   * connection failure, a timeout, or a response over the size cap.
   */
  CompletableFuture<Response> put(URI target, Map<String, String> headers, byte[] body) {
    CompletableFuture<Response> result = new CompletableFuture<>();
    Origin origin;
    try {
      origin = Origin.of(target);
    } catch (IllegalArgumentException e) {
      result.completeExceptionally(e);
      return result;
    }
    String path = target.getRawPath() == null || target.getRawPath().isEmpty() ? "/" : target.getRawPath();
    String requestTarget = target.getRawQuery() == null ? path : path + "?" + target.getRawQuery();
    send(new Request(origin, requestTarget, Map.copyOf(headers), body, false, result));
    return result;
  }

  /** Closes every connection, idle or busy (busy requests fail); the event loop is left running. */
  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      idle.clear();
    }
    for (Channel channel : List.copyOf(open)) {
      channel.close();
    }
  }

  /** Open connections, idle or busy (tests). */
  int openConnections() {
    return open.size();
  }

  private void send(Request request) {
    try {
      connectOrReuse(request);
    } catch (RuntimeException e) {
      // The event loop refuses work once the worker shuts it down.
      request.result().completeExceptionally(e);
    }
  }

  private void connectOrReuse(Request request) {
    if (isClosed()) {
      request.result().completeExceptionally(new IOException("the upload client is closed"));
      return;
    }
    Connection pooled = request.retried() ? null : takeIdle(request.origin());
    if (pooled != null) {
      pooled.channel.eventLoop().execute(() -> pooled.start(request, true));
      return;
    }
    SslContext tls;
    try {
      tls = request.origin().tls() ? ssl() : null;
    } catch (SSLException e) {
      request.result().completeExceptionally(e);
      return;
    }
    Connection connection = new Connection(request.origin());
    Origin origin = request.origin();
    bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
      @Override
      protected void initChannel(SocketChannel ch) {
        connection.channel = ch;
        open.add(ch);
        ch.closeFuture().addListener(f -> open.remove(ch));
        if (tls != null) {
          SslHandler handler = tls.newHandler(ch.alloc(), origin.connectHost(), origin.port());
          // Check the certificate names the host, as the JDK's HTTP client did; Netty 4.1 does not by default.
          SSLParameters parameters = handler.engine().getSSLParameters();
          parameters.setEndpointIdentificationAlgorithm("HTTPS");
          handler.engine().setSSLParameters(parameters);
          ch.pipeline().addLast(handler);
        }
        ch.pipeline().addLast(connection.firstBytes, new HttpClientCodec(), new CappedAggregator(maxResponseBytes),
            connection);
      }
    }).connect(origin.connectHost(), origin.port()).addListener((ChannelFuture f) -> {
      if (!f.isSuccess()) {
        request.result().completeExceptionally(f.cause());
      } else if (isClosed()) {
        // close() ran while this connection was being made, after it had closed the open ones.
        f.channel().close();
        request.result().completeExceptionally(new IOException("the upload client is closed"));
      } else {
        connection.start(request, false);
      }
    });
  }

  /** The most recently used idle connection that is still open and not idle too long, or null. */
  private Connection takeIdle(Origin origin) {
    List<Channel> stale = new ArrayList<>();
    try {
      synchronized (lock) {
        ArrayDeque<Idle> connections = idle.get(origin);
        long now = System.nanoTime();
        Idle candidate;
        while (connections != null && (candidate = connections.pollLast()) != null) {
          if (candidate.connection().channel.isActive() && now - candidate.sinceNanos() < MAX_IDLE.toNanos()) {
            return candidate.connection();
          }
          stale.add(candidate.connection().channel);
        }
        return null;
      }
    } finally {
      // Closed outside the lock: on the event loop thread a close runs its handlers at once.
      stale.forEach(Channel::close);
    }
  }

  /** A connection whose exchange ended and may carry another request goes back to its pool. */
  private void release(Connection connection) {
    Channel surplus = null;
    synchronized (lock) {
      if (!closed && connection.channel.isActive()) {
        ArrayDeque<Idle> connections = idle.computeIfAbsent(connection.origin, o -> new ArrayDeque<>());
        connections.addLast(new Idle(connection, System.nanoTime()));
        if (connections.size() > MAX_IDLE_PER_ORIGIN) {
          surplus = connections.pollFirst().connection().channel;
        }
      } else {
        surplus = connection.channel;
      }
    }
    if (surplus != null) {
      surplus.close();
    }
  }

  /** A closed connection leaves the pool at once, so it is not picked for the next request. */
  private void forget(Connection connection) {
    synchronized (lock) {
      ArrayDeque<Idle> connections = idle.get(connection.origin);
      if (connections != null) {
        connections.removeIf(i -> i.connection() == connection);
      }
    }
  }

  private boolean isClosed() {
    synchronized (lock) {
      return closed;
    }
  }

  /** Built on first use: a worker on plain http never loads the TLS machinery. */
  private SslContext ssl() throws SSLException {
    synchronized (lock) {
      if (ssl == null) {
        ssl = SslContextBuilder.forClient().build();
      }
      return ssl;
    }
  }

  /** Aggregates a response up to a cap; a larger one fails the request (and its connection is closed). */
  private static final class CappedAggregator extends HttpObjectAggregator {
    CappedAggregator(int maxContentLength) {
      super(maxContentLength);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
      // Netty's own handling closes the channel first, which would read as "closed before the response".
      ctx.fireExceptionCaught(new TooLongHttpContentException("the response is larger than "
          + maxContentLength() + " bytes"));
    }
  }

  /**
   * One connection and the exchange it carries, one at a time (no pipelining). Its state is touched
   * on the channel's event loop only.
   */
  private final class Connection extends ChannelInboundHandlerAdapter {
    final Origin origin;
    Channel channel;
    private Request current;
    private boolean reused;
    private boolean written;
    private boolean responseStarted;
    private ScheduledFuture<?> timeout;

    /** Sits below the HTTP codec: notes that some of the response arrived, which rules out a retry. */
    final ChannelInboundHandlerAdapter firstBytes = new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        responseStarted = true;
        ctx.fireChannelRead(msg);
      }
    };

    Connection(Origin origin) {
      this.origin = origin;
    }

    void start(Request request, boolean reused) {
      current = request;
      this.reused = reused;
      written = false;
      responseStarted = false;
      timeout = channel.eventLoop().schedule(() -> fail(request, new IOException("no response within "
          + TimeUnit.NANOSECONDS.toMillis(requestTimeoutNanos) + " ms"), false),
          requestTimeoutNanos, TimeUnit.NANOSECONDS);
      channel.writeAndFlush(request.toNetty()).addListener(f -> {
        if (f.isSuccess()) {
          written = current == request;
        } else {
          fail(request, f.cause(), true);
        }
      });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      Request request = current;
      try {
        if (request == null || !(msg instanceof FullHttpResponse response)) {
          // Nothing was asked: the connection is out of step, so it is not used again.
          ctx.close();
          return;
        }
        if (response.decoderResult().isFailure()) {
          fail(request, new IOException("malformed response", response.decoderResult().cause()), false);
          return;
        }
        end();
        Response answer = new Response(response.status().code(), response.content().toString(StandardCharsets.UTF_8));
        // A response that came before the whole body was sent (a 413, say) leaves the connection
        // mid-request: close it rather than reuse it.
        if (HttpUtil.isKeepAlive(response) && written) {
          release(this);
        } else {
          ctx.close();
        }
        request.result().complete(answer);
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
      // Reported before the connection closes, so the request fails with the TLS error, not the close.
      if (event instanceof SslHandshakeCompletionEvent handshake && !handshake.isSuccess() && current != null) {
        fail(current, handshake.cause(), false);
      }
      super.userEventTriggered(ctx, event);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      forget(this);
      if (current != null) {
        fail(current, new IOException("the server closed the connection before the response"), true);
      }
      super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (current != null) {
        fail(current, cause, true);
      }
      ctx.close();
    }

    /**
     * Ends {@code request} with {@code error}, or sends it again on a fresh connection when it may
     * be repeated: the failure was on a reused connection and no response byte had arrived.
     */
    private void fail(Request request, Throwable error, boolean retryable) {
      if (current != request) {
        return;
      }
      end();
      channel.close();
      if (retryable && reused && !responseStarted && !request.retried() && !isClosed()) {
        send(request.retry());
      } else {
        request.result().completeExceptionally(error);
      }
    }

    private void end() {
      current = null;
      if (timeout != null) {
        timeout.cancel(false);
        timeout = null;
      }
    }
  }
}

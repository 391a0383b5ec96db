package dev.gpuagent.server.http;

import dev.gpuagent.server.http.BodyLimitAggregator.OversizedRequest;
import dev.gpuagent.server.http.ResponseWriter.Prepared;
import dev.gpuagent.server.http.SpoolingHandler.SpooledRequest;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One per connection. Threading: the event loop reads a request (aggregated, or with its body spooled
 * to a file by {@link SpoolingHandler}, which is deleted once its route returned unless the route moved
 * it away: {@link SpooledBody#moveTo}), copies it into a {@link Request}
 * and hands it to the bounded handler pool, where {@link Dispatcher} runs the route (it may block);
 * the pool thread also prepares the body (serialises, opens files) and passes the result back to
 * the event loop, which writes it. All fields are touched only on the event loop. A connection
 * runs one request at a time: pipelined requests wait in {@code waiting} (and reading pauses) so
 * responses leave in request order. A full pool answers 503 at once.
 */
final class HttpApiHandler extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApiHandler.class);

  /** A request in this connection's order; {@code immediate} is an answer needing no handler. */
  private record Pending(
      Request request, HttpVersion version, boolean keepAlive, Response immediate, long startNanos) {}

  private final Dispatcher dispatcher;
  private final Executor handlers;
  private final HttpMetrics metrics;
  private final int maxBodyBytes;
  private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
  private boolean busy;

  HttpApiHandler(Dispatcher dispatcher, Executor handlers, HttpMetrics metrics, int maxBodyBytes) {
    this.dispatcher = dispatcher;
    this.handlers = handlers;
    this.metrics = metrics;
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    long start = System.nanoTime();
    Pending pending;
    if (msg instanceof FullHttpRequest request) {
      try {
        pending = read(ctx, request, ByteBufUtil.getBytes(request.content()), null, start);
      } finally {
        request.release();
      }
    } else if (msg instanceof SpooledRequest spooled) {
      if (spooled.tooLarge()) {
        Request stub = stub(spooled.head().method().name(), new QueryStringDecoder(spooled.head().uri()).rawPath());
        pending = new Pending(stub, spooled.head().protocolVersion(), HttpUtil.isKeepAlive(spooled.head()),
            Response.detail(413, spooled.tooLargeDetail()), start);
      } else {
        pending = read(ctx, spooled.head(), null, spooled.body(), start);
      }
    } else if (msg instanceof OversizedRequest oversized) {
      Request stub = stub(oversized.method(), new QueryStringDecoder(oversized.uri()).rawPath());
      Response tooLarge = Response.detail(413, BodyLimitAggregator.detail(maxBodyBytes));
      pending = new Pending(stub, oversized.version(), oversized.keepAlive(), tooLarge, start);
    } else {
      ctx.fireChannelRead(msg);
      return;
    }
    if (busy) {
      waiting.add(pending);
      ctx.channel().config().setAutoRead(false);
    } else {
      start(ctx, pending);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
    if (event instanceof IdleStateEvent && !busy && waiting.isEmpty()) {
      ctx.close();
      return;
    }
    super.userEventTriggered(ctx, event);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    waiting.forEach(p -> discard(p.request().spooledBody()));
    waiting.clear();
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }

  private void start(ChannelHandlerContext ctx, Pending pending) {
    busy = true;
    if (pending.immediate() != null) {
      send(ctx, pending, ResponseWriter.prepare(pending.immediate(), pending.request().id()),
          Dispatcher.UNMATCHED);
      return;
    }
    try {
      handlers.execute(() -> handle(ctx, pending));
    } catch (RejectedExecutionException e) {
      discard(pending.request().spooledBody());
      Response busyResponse =
          Response.detail(503, "server busy, try again").withHeader("Retry-After", "1");
      send(ctx, pending, ResponseWriter.prepare(busyResponse, pending.request().id()),
          Dispatcher.UNMATCHED);
    }
  }

  /** On a handler-pool thread. */
  private void handle(ChannelHandlerContext ctx, Pending pending) {
    Dispatcher.Outcome outcome;
    try {
      outcome = dispatcher.dispatch(pending.request());
    } finally {
      discard(pending.request().spooledBody()); // the route has read, copied or moved a spooled body
    }
    if (outcome.later() == null) {
      reply(ctx, pending, outcome.response(), outcome.route());
    } else { // answered by the thread that completes it (a store commit), not by a parked handler thread
      outcome.later().thenAccept(response -> reply(ctx, pending, response, outcome.route()));
    }
  }

  /** Prepares the body on the calling thread and hands the write to the event loop. */
  private void reply(ChannelHandlerContext ctx, Pending pending, Response response, String route) {
    Prepared prepared = ResponseWriter.prepare(response, pending.request().id());
    try {
      ctx.executor().execute(() -> send(ctx, pending, prepared, route));
    } catch (RejectedExecutionException e) {
      prepared.release(); // the event loop is shutting down; the connection is going away
    }
  }

  /** On the event loop: writes the answer, then starts the next waiting request. */
  private void send(ChannelHandlerContext ctx, Pending pending, Prepared prepared, String route) {
    Request request = pending.request();
    if (ctx.channel().isActive()) {
      prepared.write(ctx, pending.version(), pending.keepAlive(), request.method().equals("HEAD"),
          request.id());
    } else {
      prepared.release();
    }
    if (metrics != null) {
      metrics.record(request.method(), route, prepared.response().status(), pending.startNanos());
    }
    busy = false;
    Pending next = waiting.poll();
    if (next != null) {
      start(ctx, next);
    } else if (!ctx.channel().config().isAutoRead()) {
      ctx.channel().config().setAutoRead(true);
    }
  }

  private Pending read(ChannelHandlerContext ctx, HttpRequest request, byte[] body, SpooledBody spooled, long start) {
    String method = request.method().name();
    if (!request.decoderResult().isSuccess()) {
      Throwable cause = request.decoderResult().cause();
      Response answer =
          cause instanceof TooLongHttpLineException
              ? Response.detail(414, "URI Too Long")
              : cause instanceof TooLongHttpHeaderException
                  ? Response.detail(431, "Request Header Fields Too Large")
                  : Response.detail(400, "Bad Request");
      return new Pending(stub(method, "/"), request.protocolVersion(), false, answer, start);
    }
    String path;
    Map<String, List<String>> query;
    try {
      QueryStringDecoder decoder = new QueryStringDecoder(request.uri());
      path = decoder.rawPath();
      query = decoder.parameters();
    } catch (IllegalArgumentException e) {
      discard(spooled);
      return new Pending(stub(method, "/"), request.protocolVersion(), false,
          Response.detail(400, "Bad Request"), start);
    }
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (Map.Entry<String, String> header : request.headers()) {
      headers.computeIfAbsent(header.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .add(header.getValue());
    }
    InetSocketAddress remote =
        ctx.channel().remoteAddress() instanceof InetSocketAddress inet ? inet : null;
    Request built =
        new Request(newId(), method, path, Map.of(), query, new Headers(headers), body, remote, null, spooled);
    return new Pending(built, request.protocolVersion(), HttpUtil.isKeepAlive(request), null, start);
  }

  private static void discard(SpooledBody spooled) {
    if (spooled != null) {
      spooled.discard();
    }
  }

  private static Request stub(String method, String path) {
    return new Request(newId(), method, path, Map.of(), Map.of(), Headers.EMPTY, null, null, null);
  }

  private static String newId() {
    return String.format("%016x", ThreadLocalRandom.current().nextLong());
  }
}

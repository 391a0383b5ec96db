package dev.gpuagent.server.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The pipeline of one connection: idle timeout, HTTP/1.1 codec, keep-alive bookkeeping (closes after
 * a response when the client or the response asks), body aggregation with the size limit (413), and
 * the per-connection {@link HttpApiHandler}.
 */
public final class HttpApiInitializer extends ChannelInitializer<Channel> {
  private final HttpServerConfig config;
  private final Dispatcher dispatcher;
  private final Executor handlers;
  private final HttpMetrics metrics;
  private final ChannelGroup channels;
  private final Supplier<ChannelHandler> upgrades;
  private final BodySpool spool;

  /**
   * @param handlers the pool route handlers run on (bounded: a full pool is answered 503)
   * @param metrics request metrics, or null for none
   * @param channels every accepted connection is added here (closed at shutdown), or null
   */
  HttpApiInitializer(
      HttpServerConfig config, Router router, Executor handlers, HttpMetrics metrics, ChannelGroup channels) {
    this(config, router, handlers, metrics, channels, null);
  }

  /**
   * @param upgrades a per-connection handler placed before the API handler (the worker WebSocket
   *     endpoint: it takes its own path and passes every other request on), or null for none
   */
  HttpApiInitializer(HttpServerConfig config, Router router, Executor handlers, HttpMetrics metrics,
      ChannelGroup channels, Supplier<ChannelHandler> upgrades) {
    this(config, router, handlers, metrics, channels, upgrades, null);
  }

  /** @param spool the requests whose bodies are spooled to files instead of aggregated, or null for none */
  HttpApiInitializer(HttpServerConfig config, Router router, Executor handlers, HttpMetrics metrics,
      ChannelGroup channels, Supplier<ChannelHandler> upgrades, BodySpool spool) {
    this.spool = spool;
    this.upgrades = upgrades;
    this.config = config;
    this.dispatcher = new Dispatcher(router);
    this.handlers = handlers;
    this.metrics = metrics;
    this.channels = channels;
  }

  /** For tests: a pipeline without metrics or a channel group. */
  public static HttpApiInitializer of(HttpServerConfig config, Router router, Executor handlers) {
    return new HttpApiInitializer(config, router, handlers, null, null);
  }

  @Override
  protected void initChannel(Channel channel) {
    if (channels != null) {
      channels.add(channel);
    }
    ChannelPipeline pipeline = channel.pipeline();
    // observeOutput: a slow download in progress is activity, not idleness.
    pipeline.addLast(
        "idle",
        new IdleStateHandler(true, 0, 0, config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
    pipeline.addLast("codec", new HttpServerCodec());
    pipeline.addLast("keepAlive", new HttpServerKeepAliveHandler());
    if (spool != null) {
      pipeline.addLast("spool", new SpoolingHandler(spool));
    }
    pipeline.addLast("aggregator", new BodyLimitAggregator(config.maxBodyBytes()));
    if (upgrades != null) {
      pipeline.addLast("upgrade", upgrades.get());
    }
    pipeline.addLast("api", new HttpApiHandler(dispatcher, handlers, metrics, config.maxBodyBytes()));
  }
}

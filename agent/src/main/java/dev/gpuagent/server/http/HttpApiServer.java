package dev.gpuagent.server.http;

import dev.gpuagent.metrics.Metrics;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP/1.1 listener serving a {@link Router}: Netty NIO event loops for the sockets, a bounded
 * pool for the handlers. {@link #start()} binds (port 0 picks a free port, {@link #address()}
 * reports it); {@link #close()} stops accepting, lets in-flight handlers finish (up to the shutdown
 * timeout), closes the connections and the event loops.
 */
public final class HttpApiServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApiServer.class);

  private enum State { NEW, RUNNING, STOPPED }

  private final HttpServerConfig config;
  private final Router router;
  private final Metrics metrics;
  private final Supplier<ChannelHandler> upgrades;
  private final BodySpool spool;
  private State state = State.NEW;
  private EventLoopGroup boss;
  private EventLoopGroup workers;
  private ThreadPoolExecutor handlers;
  private ChannelGroup channels;
  private Channel serverChannel;
  private InetSocketAddress address;

  /** @param metrics where request metrics go, or null for none */
  public HttpApiServer(HttpServerConfig config, Router router, Metrics metrics) {
    this(config, router, metrics, null);
  }

  /**
   * @param upgrades a per-connection handler placed before the API handler that takes its own
   *     paths (the worker WebSocket endpoint) and passes every other request on; null for none
   */
  public HttpApiServer(HttpServerConfig config, Router router, Metrics metrics, Supplier<ChannelHandler> upgrades) {
    this(config, router, metrics, upgrades, null);
  }

  /** @param spool the requests whose bodies stream to files (output uploads), or null for none */
  public HttpApiServer(HttpServerConfig config, Router router, Metrics metrics, Supplier<ChannelHandler> upgrades,
      BodySpool spool) {
    this.config = config;
    this.router = router;
    this.metrics = metrics;
    this.upgrades = upgrades;
    this.spool = spool;
  }

  /** Binds and starts serving; returns the bound address. Fails if the address is taken. */
  public synchronized InetSocketAddress start() {
    if (state != State.NEW) {
      throw new IllegalStateException("server already " + state.name().toLowerCase());
    }
    boss = new NioEventLoopGroup(1, new DefaultThreadFactory("http-accept", true));
    workers = new NioEventLoopGroup(config.ioThreads(), new DefaultThreadFactory("http-io", true));
    handlers =
        new ThreadPoolExecutor(
            config.handlerThreads(),
            config.handlerThreads(),
            60,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(config.handlerQueue()),
            new DefaultThreadFactory("http-handler", true));
    handlers.allowCoreThreadTimeOut(true);
    channels = new DefaultChannelGroup("http", GlobalEventExecutor.INSTANCE);
    HttpMetrics httpMetrics = metrics == null ? null : new HttpMetrics(metrics);
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(boss, workers)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(new HttpApiInitializer(config, router, handlers, httpMetrics, channels, upgrades, spool));
    state = State.RUNNING;
    try {
      serverChannel = bootstrap.bind(config.host(), config.port()).syncUninterruptibly().channel();
    } catch (Exception e) {
      close();
      throw new IllegalStateException(
          "cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
    }
    address = (InetSocketAddress) serverChannel.localAddress();
    LOG.info("HTTP listening on {}:{}", address.getHostString(), address.getPort());
    return address;
  }

  /** The bound address (after {@link #start()}). */
  public synchronized InetSocketAddress address() {
    if (address == null) {
      throw new IllegalStateException("server not started");
    }
    return address;
  }

  public int port() {
    return address().getPort();
  }

  /** Stops accepting, drains in-flight handlers, closes connections and event loops. Idempotent. */
  @Override
  public synchronized void close() {
    if (state != State.RUNNING) {
      state = State.STOPPED;
      return;
    }
    state = State.STOPPED;
    long timeoutMs = config.shutdownTimeout().toMillis();
    if (serverChannel != null) {
      serverChannel.close().awaitUninterruptibly(timeoutMs);
    }
    handlers.shutdown();
    try {
      if (!handlers.awaitTermination(timeoutMs, TimeUnit.MILLISECONDS)) {
        LOG.warn("HTTP handlers still running after {} ms; interrupting them", timeoutMs);
        handlers.shutdownNow();
      }
    } catch (InterruptedException e) {
      handlers.shutdownNow();
      Thread.currentThread().interrupt();
    }
    channels.close().awaitUninterruptibly(timeoutMs);
    workers.shutdownGracefully(0, timeoutMs, TimeUnit.MILLISECONDS).awaitUninterruptibly(timeoutMs);
    boss.shutdownGracefully(0, timeoutMs, TimeUnit.MILLISECONDS).awaitUninterruptibly(timeoutMs);
    LOG.info("HTTP listener on port {} stopped", address == null ? config.port() : address.getPort());
  }
}

package dev.gpuagent.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.FileRegion;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * The server pipeline on an {@link EmbeddedChannel} (no sockets), with handlers run inline, talking
 * to a client codec on another embedded channel: bytes are moved between the two by hand, so tests
 * can send raw bytes, pipelined requests or half bodies.
 */
final class EmbeddedHttp implements AutoCloseable {
  final EmbeddedChannel server;
  final EmbeddedChannel client =
      new EmbeddedChannel(new HttpClientCodec(), new HttpObjectAggregator(64 * 1024 * 1024));

  EmbeddedHttp(HttpServerConfig config, Router router) {
    this(config, router, Runnable::run);
  }

  EmbeddedHttp(HttpServerConfig config, Router router, Executor handlers) {
    server = new EmbeddedChannel(HttpApiInitializer.of(config, router, handlers));
  }

  /** With {@code spool}'s requests spooled to files; handlers run inline. */
  EmbeddedHttp(HttpServerConfig config, Router router, BodySpool spool) {
    server = new EmbeddedChannel(new HttpApiInitializer(config, router, Runnable::run, null, null, null, spool));
  }

  /** Sends requests through the client codec and returns every complete response. */
  List<FullHttpResponse> exchange(HttpRequest... requests) {
    for (HttpRequest request : requests) {
      client.writeOutbound(request);
    }
    ByteBuf bytes;
    while ((bytes = client.readOutbound()) != null) {
      server.writeInbound(bytes);
    }
    return drain();
  }

  /** Feeds raw bytes to the server (the client codec is told nothing). */
  void sendRaw(String text) {
    server.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
  }

  /** Runs pending event-loop tasks and returns the server's output as text. */
  String rawOutput() {
    server.runPendingTasks();
    StringBuilder out = new StringBuilder();
    Object message;
    while ((message = server.readOutbound()) != null) {
      out.append(new String(toBytes(message), StandardCharsets.ISO_8859_1));
    }
    return out.toString();
  }

  /** Moves the server's output to the client and returns the responses it decoded. */
  List<FullHttpResponse> drain() {
    server.runPendingTasks();
    Object message;
    while ((message = server.readOutbound()) != null) {
      client.writeInbound(Unpooled.wrappedBuffer(toBytes(message)));
    }
    List<FullHttpResponse> responses = new ArrayList<>();
    Object in;
    while ((in = client.readInbound()) != null) {
      responses.add((FullHttpResponse) in);
    }
    return responses;
  }

  private static byte[] toBytes(Object message) {
    if (message instanceof ByteBuf buf) {
      try {
        byte[] bytes = new byte[buf.readableBytes()];
        buf.readBytes(bytes);
        return bytes;
      } finally {
        buf.release();
      }
    }
    if (message instanceof FileRegion region) {
      try {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WritableByteChannel channel = Channels.newChannel(out);
        while (region.transferred() < region.count()) {
          region.transferTo(channel, region.transferred());
        }
        return out.toByteArray();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } finally {
        region.release();
      }
    }
    throw new IllegalStateException("unexpected outbound message " + message.getClass());
  }

  @Override
  public void close() {
    server.finishAndReleaseAll();
    client.finishAndReleaseAll();
  }
}

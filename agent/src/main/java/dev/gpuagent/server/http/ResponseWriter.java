package dev.gpuagent.server.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a {@link Response} into Netty messages in two steps: {@link #prepare} on the handler thread
 * (serialised bytes, or an opened file: blocking work stays off the event loop), then {@link
 * Prepared#write} on the event loop. A file goes out as a {@link DefaultFileRegion} (zero-copy
 * {@code transferTo}; the pipeline has no TLS). HEAD gets the GET headers, Content-Length included,
 * and no body.
 */
final class ResponseWriter {
  private static final Logger LOG = LoggerFactory.getLogger(ResponseWriter.class);

  private ResponseWriter() {}

  /** A response ready to be written by the event loop; {@link #release} if it never is. */
  sealed interface Prepared permits InMemory, FromFile {
    Response response();

    void write(ChannelHandlerContext ctx, HttpVersion version, boolean keepAlive, boolean head, String requestId);

    void release();
  }

  record InMemory(Response response, byte[] body, String contentType) implements Prepared {
    @Override
    public void write(
        ChannelHandlerContext ctx, HttpVersion version, boolean keepAlive, boolean head, String requestId) {
      DefaultFullHttpResponse message =
          new DefaultFullHttpResponse(
              version,
              HttpResponseStatus.valueOf(response.status()),
              head || body.length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
      headers(message, response, contentType, body.length, keepAlive, requestId);
      ctx.writeAndFlush(message);
    }

    @Override
    public void release() {}
  }

  record FromFile(Response response, FileChannel file, long length, String contentType)
      implements Prepared {
    @Override
    public void write(
        ChannelHandlerContext ctx, HttpVersion version, boolean keepAlive, boolean head, String requestId) {
      HttpResponse message = new DefaultHttpResponse(version, HttpResponseStatus.valueOf(response.status()));
      headers(message, response, contentType, length, keepAlive, requestId);
      ctx.write(message);
      if (head) {
        release();
      } else {
        ctx.write(new DefaultFileRegion(file, 0, length)); // closes the file when released
      }
      ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
    }

    @Override
    public void release() {
      try {
        file.close();
      } catch (IOException e) {
        LOG.debug("closing a streamed file failed", e);
      }
    }
  }

  /** Serialises or opens the body; a file that cannot be opened becomes a 404 or 500 answer. */
  static Prepared prepare(Response response, String requestId) {
    return switch (response.body()) {
      case Response.Empty empty -> new InMemory(response, new byte[0], null);
      case Response.Bytes bytes -> new InMemory(response, bytes.data(), bytes.contentType());
      case Response.FileBody file -> {
        try {
          if (!Files.isRegularFile(file.path())) {
            throw new NoSuchFileException(file.path().toString());
          }
          FileChannel channel = FileChannel.open(file.path(), StandardOpenOption.READ);
          yield new FromFile(response, channel, channel.size(), file.contentType());
        } catch (NoSuchFileException e) {
          yield prepare(Response.detail(404, "Not Found"), requestId);
        } catch (IOException | RuntimeException e) {
          LOG.error("request {}: cannot open {} for streaming", requestId, file.path(), e);
          yield prepare(Dispatcher.internalError(), requestId);
        }
      }
    };
  }

  private static void headers(
      HttpResponse message,
      Response response,
      String contentType,
      long length,
      boolean keepAlive,
      String requestId) {
    var headers = message.headers();
    for (Map.Entry<String, String> header : response.headers().entrySet()) {
      headers.set(header.getKey(), header.getValue());
    }
    if (contentType != null) {
      headers.set(HttpHeaderNames.CONTENT_TYPE, contentType);
    }
    int status = response.status();
    if (status != 204 && status != 304) {
      headers.set(HttpHeaderNames.CONTENT_LENGTH, length);
    }
    headers.set("X-Request-Id", requestId);
    HttpUtil.setKeepAlive(message, keepAlive);
  }
}

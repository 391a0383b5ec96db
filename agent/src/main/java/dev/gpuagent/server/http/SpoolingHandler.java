package dev.gpuagent.server.http;

import dev.gpuagent.server.store.DataDirectory;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Placed before the body aggregator: the requests {@link BodySpool} names have their body written to
 * a temporary file chunk by chunk (so memory stays flat whatever the size), counted against the spool's
 * limit and hashed (SHA-256) on the way; when the last chunk is in, a {@link SpooledRequest} carrying a
 * {@link SpooledBody} goes on to {@link HttpApiHandler} (the aggregator passes it through). Over the
 * limit, the file is deleted, the rest of the body is read and dropped, and the request goes on marked
 * too large. Writes happen on the event loop: they land in the page cache, as the aggregated path's
 * memory copies would have landed in the heap. The hash is computed there too, chunk by chunk (the
 * JDK's intrinsics hash roughly 0.5 to 2 GB/s, by the CPU's SHA support: well under a millisecond a
 * chunk), so the route can move the file into place without reading it back.
 *
 * <p>Small bodies are spooled too rather than kept in memory: an upload has to end as a file, and the
 * spool file becomes that file (one create, one rename), so a memory path would save no file-system
 * operation, only move the create from the event loop to the handler thread, for a second code path
 * and up to its threshold of heap per upload in flight. The one thing it would save is the spool file
 * of an upload refused after its body is read (401, 404, 409): a create and an unlink on a path that
 * is not the hot one.
 */
final class SpoolingHandler extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(SpoolingHandler.class);

  /** A request whose body is in {@code body}, or that was too large ({@code body} null). */
  record SpooledRequest(HttpRequest head, SpooledBody body, boolean tooLarge, String tooLargeDetail) {}

  private final BodySpool spool;
  /** Reused request after request: {@code digest()} resets it. */
  private final MessageDigest sha = sha256();
  private HttpRequest head;
  private Path file;
  private FileChannel out;
  private long size;
  private boolean tooLarge;
  /** After an early 413 (Expect: 100-continue over the limit): drop content until the next request. */
  private boolean discarding;

  SpoolingHandler(BodySpool spool) {
    this.spool = spool;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (msg instanceof HttpRequest request && !(msg instanceof FullHttpRequest)) {
      discarding = false;
      if (head == null && spools(request)) {
        begin(ctx, request);
        return;
      }
    }
    if (msg instanceof HttpContent content && (head != null || discarding)) {
      try {
        if (head != null) {
          append(content.content());
        }
      } finally {
        ReferenceCountUtil.release(content);
      }
      if (msg instanceof LastHttpContent && head != null) {
        finish(ctx);
      }
      return;
    }
    ctx.fireChannelRead(msg);
  }

  private boolean spools(HttpRequest request) {
    if (!request.decoderResult().isSuccess() || !request.method().name().equals(spool.method())) {
      return false;
    }
    try {
      return spool.paths().test(new QueryStringDecoder(request.uri()).rawPath());
    } catch (IllegalArgumentException e) {
      return false; // the API handler answers the malformed URI
    }
  }

  private void begin(ChannelHandlerContext ctx, HttpRequest request) throws IOException {
    long declared = HttpUtil.getContentLength(request, -1L);
    if (declared > spool.maxBytes() && HttpUtil.is100ContinueExpected(request)) {
      // The client waits for our word before sending: refuse now, close after the answer.
      HttpUtil.setKeepAlive(request, false);
      discarding = true;
      ctx.fireChannelRead(new SpooledRequest(request, null, true, spool.tooLargeDetail()));
      return;
    }
    head = request;
    size = 0;
    tooLarge = declared > spool.maxBytes();
    sha.reset();
    if (!tooLarge) {
      DataDirectory.NewFile created = DataDirectory.createTempFile(spool.dir(), ".body-", ".part");
      file = created.path();
      out = created.channel();
    }
    if (HttpUtil.is100ContinueExpected(request)) {
      request.headers().remove(HttpHeaderNames.EXPECT);
      ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
    }
  }

  private void append(ByteBuf data) throws IOException {
    int readable = data.readableBytes();
    if (tooLarge || readable == 0) {
      return;
    }
    size += readable;
    if (size > spool.maxBytes()) {
      tooLarge = true;
      discardFile();
      return;
    }
    for (ByteBuffer buffer : data.nioBuffers()) {
      sha.update(buffer.duplicate());
      while (buffer.hasRemaining()) {
        out.write(buffer);
      }
    }
  }

  private void finish(ChannelHandlerContext ctx) throws IOException {
    HttpRequest request = head;
    Path body = file;
    head = null;
    file = null;
    if (out != null) {
      out.close();
      out = null;
    }
    SpooledBody spooled = tooLarge ? null : new SpooledBody(body, size, sha.digest());
    ctx.fireChannelRead(new SpooledRequest(request, spooled, tooLarge, spool.tooLargeDetail()));
  }

  private void discardFile() {
    try {
      if (out != null) {
        out.close();
      }
      if (file != null) {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      LOG.warn("cannot delete spooled body {}: {}", file, e.toString());
    }
    out = null;
    file = null;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is unavailable", e);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (head != null) {
      head = null;
      discardFile(); // the connection went away mid-body
    }
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
    if (head != null) {
      head = null;
      discardFile();
    }
    super.exceptionCaught(ctx, cause);
  }
}

package dev.gpuagent.server.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.util.Map;

/**
 * {@link HttpObjectAggregator} whose 413 carries FastAPI's JSON body. A request whose declared or
 * received body passes the limit is never buffered: the handler is given an {@link
 * OversizedRequest} marker instead, so the 413 is written in order with earlier pipelined
 * responses. Connection handling is Netty's: a keep-alive request with a too-large {@code
 * Content-Length} keeps its connection (the rest of its body is read and dropped); one whose body
 * had started to arrive, or that asked to close, is closed after the 413.
 */
final class BodyLimitAggregator extends HttpObjectAggregator {
  /** Stands for a request refused for its size; the handler answers it in its turn. */
  record OversizedRequest(HttpVersion version, String method, String uri, boolean keepAlive) {}

  BodyLimitAggregator(int maxBodyBytes) {
    super(maxBodyBytes);
  }

  static String detail(int maxBodyBytes) {
    return "request body exceeds the limit of " + maxBodyBytes + " bytes";
  }

  @Override
  protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
    Object response = super.newContinueResponse(start, maxContentLength, pipeline);
    if (response instanceof FullHttpResponse full
        && full.status().code() == HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE.code()) {
      // Expect: 100-continue with a body over the limit: answer at once; the body never comes.
      ReferenceCountUtil.release(full);
      return tooLarge(maxContentLength);
    }
    return response;
  }

  @Override
  protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized)
      throws Exception {
    if (!(oversized instanceof HttpRequest request)) {
      super.handleOversizedMessage(ctx, oversized);
      return;
    }
    boolean close =
        oversized instanceof FullHttpMessage
            || !HttpUtil.is100ContinueExpected(request) && !HttpUtil.isKeepAlive(request);
    // The aggregator releases `oversized` after this returns: keep plain values only.
    ctx.fireChannelRead(
        new OversizedRequest(request.protocolVersion(), request.method().name(), request.uri(), !close));
  }

  private static FullHttpResponse tooLarge(int maxBodyBytes) {
    byte[] body = Json.write(Map.of("detail", detail(maxBodyBytes)));
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
            Unpooled.wrappedBuffer(body));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, Response.JSON);
    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    return response;
  }
}

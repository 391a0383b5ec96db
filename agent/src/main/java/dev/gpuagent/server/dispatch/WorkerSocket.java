package dev.gpuagent.server.dispatch;

import dev.gpuagent.protocol.Protocol;
import dev.gpuagent.protocol.ServerMessage;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.timeout.IdleStateEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The frames of one worker connection, on its event loop: text goes to the dispatcher in order. */
final class WorkerSocket extends SimpleChannelInboundHandler<WebSocketFrame> {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerSocket.class);

  private final WorkerConnection conn;
  private final RunDispatcher dispatcher;

  WorkerSocket(WorkerConnection conn, RunDispatcher dispatcher) {
    this.conn = conn;
    this.dispatcher = dispatcher;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
    switch (frame) {
      case TextWebSocketFrame text -> dispatcher.frame(conn, ByteBufUtil.getBytes(text.content()));
      case PingWebSocketFrame ping -> ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
      case PongWebSocketFrame pong -> { }
      case CloseWebSocketFrame close -> {
        LOG.debug("{} closed the connection ({})", conn, close.statusCode());
        ctx.writeAndFlush(new CloseWebSocketFrame(close.statusCode() < 0 ? 1000 : close.statusCode(), ""))
            .addListener(f -> ctx.close());
      }
      case BinaryWebSocketFrame binary -> conn.send(new ServerMessage.ProtocolError("malformed_message",
          "binary frames are not part of the protocol", false));
      default -> { }
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
    if (event instanceof IdleStateEvent) {
      LOG.info("{} sent nothing for 3 heartbeat intervals; closing", conn);
      conn.close(Protocol.CLOSE_IDLE_TIMEOUT, "no frame for 3 heartbeat intervals");
      return;
    }
    super.userEventTriggered(ctx, event);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    dispatcher.disconnected(conn);
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof TooLongFrameException) {
      LOG.info("{}: {}; closing", conn, cause.getMessage());
      conn.close(1009, "frame too large");
    } else if (cause instanceof CorruptedWebSocketFrameException) {
      // The decoder already sent its close frame (1009 for a frame over the limit, 1002 otherwise).
      LOG.info("{}: {}; closed", conn, cause.getMessage());
      ctx.close();
    } else {
      LOG.warn("{}: connection error: {}", conn, cause.toString());
      ctx.close();
    }
  }
}

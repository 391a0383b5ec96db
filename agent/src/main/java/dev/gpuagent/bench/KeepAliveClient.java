package dev.gpuagent.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One HTTP/1.1 keep-alive connection driven by the calling thread with blocking I/O: write a request,
 * read the status line, headers and a {@code Content-Length} body. The bench uses it rather than
 * java.net.http because, on a 2-core host that also runs the server, that client's selector thread
 * and its hand-offs for every request cost as much CPU and latency as the server call being measured.
 * It handles only what the server answers (Content-Length bodies, no chunking); anything else is an
 * IOException.
 */
final class KeepAliveClient implements AutoCloseable {
  /** A response: status and body text. */
  record Answer(int status, String body) {}

  /**
   * Below the server's idle timeout (75 s, HttpServerConfig): a connection unused for longer is opened
   * again before the next request rather than found closed by the server mid-request.
   */
  private static final long REOPEN_AFTER_IDLE_NANOS = 60_000_000_000L;

  private final int port;
  private final String host;
  private Socket socket;
  private OutputStream out;
  private InputStream in;
  private long lastUsed;

  KeepAliveClient(int port) throws IOException {
    this.port = port;
    host = "127.0.0.1:" + port;
    open();
  }

  private void open() throws IOException {
    socket = new Socket();
    socket.setTcpNoDelay(true);
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    socket.setSoTimeout(30_000);
    out = socket.getOutputStream();
    in = new BufferedInputStream(socket.getInputStream(), 16 << 10);
    lastUsed = System.nanoTime();
  }

  /** Sends one request, on a fresh connection if this one sat idle long enough for the server to drop it. */
  private Answer exchange(byte[] request) throws IOException {
    if (System.nanoTime() - lastUsed > REOPEN_AFTER_IDLE_NANOS) {
      socket.close();
      open();
    }
    out.write(request);
    out.flush();
    Answer answer = read();
    lastUsed = System.nanoTime();
    return answer;
  }

  Answer post(String path, String bearer, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    String head = "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer " + bearer
        + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n";
    byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
    byte[] request = new byte[headBytes.length + body.length];
    System.arraycopy(headBytes, 0, request, 0, headBytes.length);
    System.arraycopy(body, 0, request, headBytes.length, body.length);
    return exchange(request);
  }

  Answer get(String path, String bearer) throws IOException {
    String head = "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer " + bearer + "\r\n\r\n";
    return exchange(head.getBytes(StandardCharsets.US_ASCII));
  }

  private Answer read() throws IOException {
    String status = line();
    if (!status.startsWith("HTTP/1.1 ") || status.length() < 12) {
      throw new IOException("not an HTTP/1.1 status line: " + status);
    }
    int code = Integer.parseInt(status.substring(9, 12));
    int length = -1;
    for (String header = line(); !header.isEmpty(); header = line()) {
      int colon = header.indexOf(':');
      if (colon > 0 && header.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
        length = Integer.parseInt(header.substring(colon + 1).trim());
      }
    }
    if (length < 0) {
      throw new IOException("response without Content-Length");
    }
    byte[] body = in.readNBytes(length);
    if (body.length != length) {
      throw new IOException("connection closed inside the body");
    }
    return new Answer(code, new String(body, StandardCharsets.UTF_8));
  }

  private String line() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream(64);
    int b;
    while ((b = in.read()) != '\n') {
      if (b < 0) {
        throw new IOException("connection closed by the server");
      }
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.US_ASCII);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}

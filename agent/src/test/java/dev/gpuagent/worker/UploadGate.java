package dev.gpuagent.worker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay on loopback in front of a server that can hold back the workers' uploads: connections
 * that open with {@code PUT } (the upload client's, which carry nothing else) stop forwarding while the
 * gate is closed; the WebSocket and everything else pass. A test points a worker at {@link #url()} to
 * keep its runs in {@code uploading} for as long as it likes.
 */
final class UploadGate implements AutoCloseable {
  private final ServerSocket listener;
  private final int upstreamPort;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final Object lock = new Object();
  private boolean open = true;

  UploadGate(int upstreamPort) throws IOException {
    this.upstreamPort = upstreamPort;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofPlatform().daemon().name("upload-gate").start(this::accept);
  }

  String url() {
    return "http://127.0.0.1:" + listener.getLocalPort();
  }

  /** Holds back uploads from now on (bytes already forwarded have gone through). */
  void hold() {
    setOpen(false);
  }

  /** Lets the held uploads go on. */
  void release() {
    setOpen(true);
  }

  private void setOpen(boolean value) {
    synchronized (lock) {
      open = value;
      lock.notifyAll();
    }
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
        client.setTcpNoDelay(true);
        upstream.setTcpNoDelay(true);
        sockets.add(client);
        sockets.add(upstream);
        Thread.ofPlatform().daemon().start(() -> pump(client, upstream, true));
        Thread.ofPlatform().daemon().start(() -> pump(upstream, client, false));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void pump(Socket from, Socket to, boolean gated) {
    byte[] buffer = new byte[16 * 1024];
    boolean upload = false;
    boolean first = true;
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        if (first && gated) {
          upload = n >= 4 && buffer[0] == 'P' && buffer[1] == 'U' && buffer[2] == 'T' && buffer[3] == ' ';
          first = false;
        }
        if (upload) {
          awaitOpen();
        }
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException | InterruptedException e) {
      // one side closed: close both below
    } finally {
      quietly(from);
      quietly(to);
    }
  }

  private void awaitOpen() throws InterruptedException {
    synchronized (lock) {
      while (!open) {
        lock.wait();
      }
    }
  }

  private static void quietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    release();
    try {
      listener.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    sockets.forEach(UploadGate::quietly);
  }
}

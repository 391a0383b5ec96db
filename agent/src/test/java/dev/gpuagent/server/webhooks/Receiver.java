package dev.gpuagent.server.webhooks;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;

/** A webhook receiver on 127.0.0.1: records every request and answers what {@code answer} says. */
final class Receiver implements AutoCloseable {
  /** One request as received. */
  record Received(String id, String timestamp, String signature, String contentType, String body, long atNanos) {}

  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private volatile ToIntFunction<Received> answer = request -> 200;

  Receiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(threads);
    server.createContext("/hook", exchange -> {
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      var headers = exchange.getRequestHeaders();
      Received request = new Received(headers.getFirst("webhook-id"), headers.getFirst("webhook-timestamp"),
          headers.getFirst("webhook-signature"), headers.getFirst("content-type"),
          new String(body, StandardCharsets.UTF_8), System.nanoTime());
      received.add(request);
      int status = answer.applyAsInt(request);
      exchange.sendResponseHeaders(status, -1);
      exchange.close();
    });
    server.start();
  }

  /** Answers {@code status} to every request from now on. */
  Receiver answering(ToIntFunction<Received> function) {
    answer = function;
    return this;
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
  }

  List<Received> received() {
    return new ArrayList<>(received);
  }

  /** Waits until {@code count} requests arrived; answers them. */
  List<Received> await(int count, Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (received.size() < count) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("expected " + count + " requests, got " + received.size() + ": " + received);
      }
      Thread.sleep(5);
    }
    return received();
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
    try {
      threads.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

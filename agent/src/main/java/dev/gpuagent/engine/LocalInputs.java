package dev.gpuagent.engine;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves the input references of a workflow (LoadImage's {@code image}, the external image's
 * value):
 * <ul>
 *   <li>{@code data:[<mediatype>][;base64],<data>} URLs;
 *   <li>a relative path of a file inside the input folder (ComfyUI's {@code " [input]"} annotation
 *       is accepted); absolute paths, {@code ..} past the folder and symbolic links that lead out
 *       of it are refused;
 *   <li>http and https URLs whose host the allow-list permits (an empty list permits none),
 *       fetched without a proxy, redirects followed by hand (at most {@value #MAX_REDIRECTS}, each
 *       target checked against the allow-list again), within one deadline for the whole exchange
 *       and a byte limit enforced while the body streams in.
 * </ul>
 * Every other scheme ({@code file:}, {@code ftp:}, {@code jar:}, ...) is refused. Each refusal is
 * an IOException whose message says why. The same byte limit applies to files and data URLs.
 */
public final class LocalInputs implements InputResolver, AutoCloseable {
  public static final long DEFAULT_MAX_BYTES = 50L << 20;
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  static final int MAX_REDIRECTS = 5;

  private static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*):");
  private static final String INPUT_ANNOTATION = " [input]";

  private final Path inputDir;
  private final HostAllowList allowList;
  private final long maxBytes;
  private final Duration timeout;
  private final HttpClient http;

  /**
   * @param inputDir the input folder, or null for none
   * @param allowList the hosts remote URLs may name
   * @param maxBytes the largest input accepted, in bytes
   * @param timeout connect timeout, and the deadline for one whole HTTP exchange
   */
  public LocalInputs(Path inputDir, HostAllowList allowList, long maxBytes, Duration timeout) {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be positive");
    }
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive");
    }
    this.inputDir = inputDir == null ? null : inputDir.toAbsolutePath().normalize();
    this.allowList = Objects.requireNonNull(allowList, "allowList");
    this.maxBytes = maxBytes;
    this.timeout = timeout;
    this.http = allowList.isEmpty() ? null : HttpClient.newBuilder()
        .connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NEVER)
        .proxy(HttpClient.Builder.NO_PROXY)
        .build();
  }

  /** Files from a folder and data: URLs; no remote URLs. */
  public static LocalInputs folder(Path inputDir) {
    return new LocalInputs(inputDir, HostAllowList.none(), DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT);
  }

  @Override
  public byte[] read(String reference) throws IOException {
    if (reference == null || reference.isBlank()) {
      throw new IOException("the input reference is empty");
    }
    if (DataUrl.isDataUrl(reference)) {
      return DataUrl.decode(reference, maxBytes);
    }
    Matcher scheme = SCHEME.matcher(reference);
    if (scheme.find()) {
      String name = scheme.group(1).toLowerCase(Locale.ROOT);
      if (name.equals("http") || name.equals("https")) {
        return fetch(reference);
      }
      throw new IOException("'" + name + ":' references are not allowed (use a file in the input folder, "
          + "a data: URL or an allowed http(s) URL)");
    }
    return readFile(reference);
  }

  private byte[] readFile(String reference) throws IOException {
    if (inputDir == null) {
      throw new IOException("no input folder is configured for '" + reference + "'");
    }
    String name = reference.endsWith(INPUT_ANNOTATION)
        ? reference.substring(0, reference.length() - INPUT_ANNOTATION.length())
        : reference;
    Path relative;
    try {
      relative = Path.of(name);
    } catch (InvalidPathException e) {
      throw new IOException("invalid input file name '" + name + "': " + e.getReason());
    }
    if (relative.isAbsolute() || name.startsWith("/") || name.startsWith("\\")) {
      throw new IOException("input '" + name + "' is an absolute path; name a file inside the input folder");
    }
    Path file = inputDir.resolve(relative).normalize();
    if (!file.startsWith(inputDir)) {
      throw new IOException("input '" + name + "' leads outside the input folder");
    }
    Path real;
    try {
      real = file.toRealPath();
    } catch (NoSuchFileException e) {
      throw new IOException("no file '" + name + "' in the input folder");
    }
    if (!real.startsWith(inputDir.toRealPath())) {
      throw new IOException("input '" + name + "' is a link that leads outside the input folder");
    }
    if (!Files.isRegularFile(real)) {
      throw new IOException("input '" + name + "' is not a regular file");
    }
    long size = Files.size(real);
    if (size > maxBytes) {
      throw tooLarge("input file '" + name + "'", size);
    }
    try (InputStream in = Files.newInputStream(real)) {
      byte[] data = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
      if (data.length > maxBytes) {
        throw tooLarge("input file '" + name + "'", data.length);
      }
      return data;
    }
  }

  private byte[] fetch(String reference) throws IOException {
    URI uri = parse(reference);
    long deadline = System.nanoTime() + timeout.toNanos();
    for (int hop = 0; ; hop++) {
      checkRemote(uri, hop == 0 ? null : reference);
      HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET()
          .header("Accept", "image/*, */*;q=0.5").build();
      HttpResponse<byte[]> response = exchange(request, deadline);
      int status = response.statusCode();
      if (status >= 300 && status < 400 && status != 304) {
        String location = response.headers().firstValue("Location").orElse(null);
        if (location == null) {
          throw new IOException("GET " + redact(uri) + " answered " + status + " without a Location");
        }
        if (hop >= MAX_REDIRECTS) {
          throw new IOException("GET " + redact(reference) + " redirected more than " + MAX_REDIRECTS + " times");
        }
        try {
          uri = uri.resolve(new URI(location));
        } catch (URISyntaxException | IllegalArgumentException e) {
          throw new IOException("GET " + redact(uri) + " redirected to an invalid URL");
        }
        continue;
      }
      if (status != 200) {
        throw new IOException("GET " + redact(uri) + " answered HTTP " + status);
      }
      return response.body();
    }
  }

  private HttpResponse<byte[]> exchange(HttpRequest request, long deadline) throws IOException {
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      throw new IOException("GET " + redact(request.uri()) + " timed out after " + timeout.toMillis() + " ms");
    }
    CompletableFuture<HttpResponse<byte[]>> future = http.sendAsync(request, info -> {
      int status = info.statusCode();
      if (status != 200) {
        return HttpResponse.BodySubscribers.replacing(null);
      }
      long declared = info.headers().firstValueAsLong("Content-Length").orElse(-1);
      return new LimitedBody(maxBytes, declared, "GET " + redact(request.uri()));
    });
    try {
      return future.get(left, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new IOException("GET " + redact(request.uri()) + " timed out after " + timeout.toMillis() + " ms");
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while fetching " + redact(request.uri()));
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof LimitExceeded limit) {
        throw new IOException(limit.getMessage());
      }
      throw new IOException("GET " + redact(request.uri()) + " failed: "
          + (cause == null ? e.getMessage() : cause.getClass().getSimpleName() + " " + cause.getMessage()), cause);
    }
  }

  private void checkRemote(URI uri, String original) throws IOException {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    String via = original == null ? "" : " (redirected from " + redact(original) + ")";
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IOException("'" + scheme + ":' URLs are not allowed" + via);
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      throw new IOException("URL " + redact(uri) + " has no host" + via);
    }
    if (allowList.isEmpty()) {
      throw new IOException("remote input URLs are disabled (no allowed hosts); cannot fetch " + redact(uri) + via);
    }
    if (!allowList.allows(host)) {
      throw new IOException("host '" + host + "' is not in the allow-list of input URLs" + via);
    }
  }

  private static URI parse(String reference) throws IOException {
    try {
      return new URI(reference);
    } catch (URISyntaxException e) {
      throw new IOException("invalid URL '" + redact(reference) + "': " + e.getReason());
    }
  }

  /** Drops the query and user info from URLs in messages: they may carry signatures or tokens. */
  static String redact(Object url) {
    String s = String.valueOf(url);
    int q = s.indexOf('?');
    if (q >= 0) {
      s = s.substring(0, q) + "?...";
    }
    return s.replaceFirst("^([A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@", "$1");
  }

  private IOException tooLarge(String what, long size) {
    return new IOException(what + " is " + size + " bytes, more than the limit of " + maxBytes);
  }

  @Override
  public void close() {
    if (http != null) {
      http.close();
    }
  }

  /** A size breach detected while streaming. */
  private static final class LimitExceeded extends IOException {
    LimitExceeded(String message) {
      super(message);
    }
  }

  /** Collects a response body, failing as soon as it passes the byte limit. */
  private static final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private final long max;
    private final long declared;
    private final String what;
    private Flow.Subscription subscription;
    private java.io.ByteArrayOutputStream buffer;
    private long received;

    LimitedBody(long max, long declared, String what) {
      this.max = max;
      this.declared = declared;
      this.what = what;
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (declared > max) {
        s.cancel();
        result.completeExceptionally(new LimitExceeded(what + " declares " + declared
            + " bytes, more than the limit of " + max));
        return;
      }
      buffer = new java.io.ByteArrayOutputStream((int) Math.max(1024, Math.min(declared, 1 << 20)));
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      if (result.isDone()) {
        return;
      }
      for (ByteBuffer b : items) {
        received += b.remaining();
        if (received > max) {
          subscription.cancel();
          buffer = null;
          result.completeExceptionally(new LimitExceeded(what + " sent more than the limit of " + max + " bytes"));
          return;
        }
        byte[] chunk = new byte[b.remaining()];
        b.get(chunk);
        buffer.writeBytes(chunk);
      }
    }

    @Override
    public void onError(Throwable t) {
      result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      if (!result.isDone()) {
        result.complete(buffer.toByteArray());
      }
    }
  }
}

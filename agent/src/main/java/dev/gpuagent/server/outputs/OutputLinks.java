package dev.gpuagent.server.outputs;

import dev.gpuagent.server.http.SignedUrls;
import dev.gpuagent.server.store.DataDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Signed, expiring download links of output files: {@code PUBLIC_URL/outputs/{run_id}/{subfolder/}filename
 * ?expires=...&signature=...} (every segment percent-encoded as an RFC 3986 path segment). The signing
 * secret is 32 random bytes kept in {@code DATA_DIR/url-signing.key} (0600), made on first start and
 * reused after, so links stay valid across restarts until they expire.
 */
public final class OutputLinks {
  /** The secret's file in the data folder. */
  public static final String SECRET_FILE = "url-signing.key";

  private static final String UNRESERVED =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

  private final SignedUrls signer;
  private final Supplier<String> publicUrl;
  private final Duration ttl;

  /** {@code publicUrl} is asked on every link (the bound port may be known only after the routes are built). */
  public OutputLinks(SignedUrls signer, Supplier<String> publicUrl, Duration ttl) {
    this.signer = Objects.requireNonNull(signer, "signer");
    this.publicUrl = Objects.requireNonNull(publicUrl, "publicUrl");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("the link lifetime must be positive");
    }
    this.ttl = ttl;
  }

  /** Links signed with the data folder's secret (created 0600 on first use). */
  public static OutputLinks open(Path dataDir, Supplier<String> publicUrl, Duration ttl, Clock clock) {
    return new OutputLinks(new SignedUrls(loadOrCreateSecret(dataDir), clock), publicUrl, ttl);
  }

  public SignedUrls signer() {
    return signer;
  }

  /** The absolute signed link of a run's file, valid for the configured lifetime from now. */
  public String url(UUID runId, String subfolder, String filename) {
    String base = publicUrl.get();
    if (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    return base + signer.sign("GET", rawPath(runId, subfolder, filename), ttl);
  }

  /** {@code /outputs/{run_id}/{subfolder/}filename} with each segment percent-encoded. */
  public static String rawPath(UUID runId, String subfolder, String filename) {
    StringBuilder path = new StringBuilder("/outputs/").append(runId);
    if (subfolder != null && !subfolder.isEmpty()) {
      for (String part : subfolder.split("/", -1)) {
        path.append('/').append(encodeSegment(part));
      }
    }
    return path.append('/').append(encodeSegment(filename)).toString();
  }

  /** Percent-encodes everything but RFC 3986's unreserved characters (UTF-8). */
  static String encodeSegment(String segment) {
    StringBuilder out = new StringBuilder();
    for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c < 0x80 && UNRESERVED.indexOf(c) >= 0) {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return out.toString();
  }

  static byte[] loadOrCreateSecret(Path dataDir) {
    Path file = dataDir.resolve(SECRET_FILE);
    try {
      if (!Files.exists(file)) {
        DataDirectory.createDirectories(dataDir);
        byte[] secret = SignedUrls.newSecret();
        Path temp = dataDir.resolve(SECRET_FILE + ".tmp");
        Files.deleteIfExists(temp);
        if (Files.getFileAttributeView(dataDir, PosixFileAttributeView.class) != null) {
          Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        Files.write(temp, secret, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.SYNC);
        try {
          Files.createLink(file, temp); // fails if another process made the file meanwhile: keep theirs
        } catch (FileAlreadyExistsException e) {
          // someone else won; read theirs below
        } catch (UnsupportedOperationException e) {
          Files.move(temp, file);
        } finally {
          Files.deleteIfExists(temp);
        }
      }
      byte[] secret = Files.readAllBytes(file);
      if (secret.length < SignedUrls.MIN_SECRET_BYTES) {
        throw new IllegalStateException(file + " holds fewer than " + SignedUrls.MIN_SECRET_BYTES
            + " bytes; delete it to make a new URL signing secret");
      }
      return secret;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the URL signing secret " + file, e);
    }
  }
}

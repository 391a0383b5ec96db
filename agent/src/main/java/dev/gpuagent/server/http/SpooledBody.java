package dev.gpuagent.server.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A request body that {@link SpoolingHandler} wrote to a file, with its size and SHA-256 computed as
 * the chunks arrived, so a route never reads the file back to learn them. The HTTP layer owns the
 * file and deletes it once the route returns, unless the route took it with {@link #moveTo} (an
 * upload moves it into place instead of copying it). Used by one request at a time: not thread-safe.
 */
public final class SpooledBody {
  private static final Logger LOG = LoggerFactory.getLogger(SpooledBody.class);

  private final Path file;
  private final long size;
  private final String sha256;
  private boolean moved;

  /**
   * @param file the body's bytes
   * @param size their count
   * @param sha256 their SHA-256, 32 bytes
   */
  public SpooledBody(Path file, long size, byte[] sha256) {
    this.file = Objects.requireNonNull(file, "file");
    if (size < 0 || sha256.length != 32) {
      throw new IllegalArgumentException("size must not be negative and sha256 must be 32 bytes");
    }
    this.size = size;
    this.sha256 = HexFormat.of().formatHex(sha256);
  }

  public Path file() {
    return file;
  }

  public long size() {
    return size;
  }

  /** The SHA-256 of the bytes, lowercase hex. */
  public String sha256() {
    return sha256;
  }

  /** The bytes as a stream; the caller closes it. */
  public InputStream open() throws IOException {
    return Files.newInputStream(file);
  }

  /**
   * Renames the file to {@code target} atomically, replacing a file there (a reader sees the old
   * file or the new one, never half of one); from then on the file is the caller's. Throws {@link
   * java.nio.file.AtomicMoveNotSupportedException} when {@code target} is on another file system:
   * the file then stays where it is, and is deleted as usual.
   */
  public void moveTo(Path target) throws IOException {
    Files.move(file, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    moved = true;
  }

  /** Deletes the file unless it was moved away; logs a failure. */
  void discard() {
    if (moved) {
      return;
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.warn("cannot delete spooled body {}: {}", file, e.toString());
    }
  }

  @Override
  public String toString() {
    return "SpooledBody[" + file.getFileName() + ", " + size + " bytes]";
  }
}

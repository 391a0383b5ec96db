package dev.gpuagent.server.outputs;

import dev.gpuagent.server.store.DataDirectory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * The bytes of output files, under {@code DATA_DIR/outputs/{run_id}/t{fencing_token}/{subfolder/}filename}:
 * one folder per lease, so a stale attempt's upload never overwrites the current attempt's file. A file
 * is written to a temporary file in the run's folder and moved into place atomically, so a reader never
 * sees half a file and a retried upload replaces the previous one whole. Storage keys are relative to
 * the root and only ever built here from checked names; {@link #open} refuses any key that resolves
 * outside the root.
 */
public final class OutputFiles {
  /** A stored file: its storage key, size and SHA-256 (hex). */
  public record Stored(String storageKey, long sizeBytes, String sha256) {}

  /** The body passed the size limit while it was read; nothing was stored. */
  public static final class TooLarge extends Exception {
    TooLarge(long limit) {
      super("output file exceeds the limit of " + limit + " bytes");
    }
  }

  private final Path root;

  public OutputFiles(Path dataDir) {
    this.root = Objects.requireNonNull(dataDir, "dataDir").resolve("outputs").toAbsolutePath().normalize();
  }

  public Path root() {
    return root;
  }

  /** The storage key of {@code relativePath} (checked names joined by {@code /}) under the lease's token. */
  public static String storageKey(UUID runId, long fencingToken, String relativePath) {
    return runId + "/t" + fencingToken + "/" + relativePath;
  }

  /**
   * Streams {@code body} to a temporary file in the run's folder, then moves it to {@code storageKey}
   * (replacing a previous upload of the same key). Reads at most {@code limit} bytes: past it, the
   * temporary file is deleted and {@link TooLarge} thrown.
   */
  public Stored write(UUID runId, String storageKey, InputStream body, long limit) throws IOException, TooLarge {
    Path target = resolve(storageKey).orElseThrow(() -> new IllegalArgumentException("bad storage key"));
    Path runDir = root.resolve(runId.toString());
    DataDirectory.createDirectories(target.getParent());
    Path temp = Files.createTempFile(runDir, ".upload-", ".part");
    boolean moved = false;
    try {
      MessageDigest sha = sha256();
      long size = 0;
      try (OutputStream out = new DigestOutputStream(Files.newOutputStream(temp), sha)) {
        byte[] buffer = new byte[64 * 1024];
        int n;
        while ((n = body.read(buffer)) > 0) {
          size += n;
          if (size > limit) {
            throw new TooLarge(limit);
          }
          out.write(buffer, 0, n);
        }
      }
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (java.nio.file.AtomicMoveNotSupportedException e) {
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      moved = true;
      return new Stored(storageKey, size, HexFormat.of().formatHex(sha.digest()));
    } finally {
      if (!moved) {
        Files.deleteIfExists(temp);
      }
    }
  }

  /** Deletes the file of {@code storageKey} if it is there. */
  public void delete(String storageKey) {
    resolve(storageKey).ifPresent(path -> {
      try {
        Files.deleteIfExists(path);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  /**
   * Deletes every file uploaded under the lease with {@code fencingToken} (a closed lease whose run was
   * re-queued: protocol.md section 6). Returns how many files were deleted.
   */
  public int deleteLease(UUID runId, long fencingToken) {
    return deleteTree(root.resolve(runId.toString()).resolve("t" + fencingToken));
  }

  /** Deletes every file of the run (all leases). Returns how many files were deleted. */
  public int deleteRun(UUID runId) {
    return deleteTree(root.resolve(runId.toString()));
  }

  private static int deleteTree(Path top) {
    if (!Files.isDirectory(top)) {
      return 0;
    }
    try (var walk = Files.walk(top)) {
      int deleted = 0;
      for (Path path : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        if (Files.isRegularFile(path)) {
          deleted++;
        }
        Files.deleteIfExists(path);
      }
      return deleted;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + top, e);
    }
  }

  /** The file of {@code storageKey}, if the key stays inside the root and the file exists. */
  public Optional<Path> open(String storageKey) {
    return resolve(storageKey).filter(Files::isRegularFile);
  }

  private Optional<Path> resolve(String storageKey) {
    if (storageKey == null || storageKey.isEmpty() || storageKey.indexOf('\0') >= 0 || storageKey.startsWith("/")) {
      return Optional.empty();
    }
    Path path = root.resolve(storageKey).normalize();
    return path.startsWith(root) && !path.equals(root) ? Optional.of(path) : Optional.empty();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is unavailable", e);
    }
  }
}

package dev.gpuagent.server.outputs;

import dev.gpuagent.protocol.OutputNames;
import dev.gpuagent.server.http.SpooledBody;
import dev.gpuagent.server.store.DataDirectory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * The bytes of output files, under {@code DATA_DIR/outputs/}, in 256 shard folders named by two random
 * hex digits of the run id: the last two of a version 7 id (whose first digits are its timestamp, the
 * same for every run of a month), the first two of a version 4 id (runs made before ids were time-ordered).
 * A file of lease token {@code T} is {@code {shard}/{run_id}.tT.{filename}}
 * (no folder of its own: creating two folders per run had cost more than storing the file, and used
 * three inodes where one does); a file with a subfolder, or whose flat name would pass 255 bytes, is
 * {@code {shard}/{run_id}.tT/{subfolder/}{filename}}. The token in the name keeps a stale attempt's
 * upload from ever overwriting the current attempt's file. Keys of the earlier layout ({@code
 * {run_id}/tT/...}) stay valid: the key is stored with each file's row. A file reaches its place by an
 * atomic rename, so a reader never sees half a file and a retried upload replaces the previous one
 * whole: an upload spooled by the HTTP layer ({@link SpooledBody}, in {@code outputs/.spool}, the same
 * file system) is renamed itself ({@link #move}: its size and SHA-256 were computed while it was
 * spooled, nothing is copied); a body read from a stream ({@link #write}) goes to a temporary file in
 * the target's folder first. Storage keys are relative to the root and only ever built here from
 * checked names; {@link #open} refuses any key that resolves outside the root.
 *
 * <p>File-system operations of a spooled upload without a subfolder: the spool file's create (on the
 * event loop) and one rename; the shard folder is made only when the rename finds it missing.
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
    String lease = leaseName(runId, fencingToken);
    String flat = lease + "." + relativePath;
    boolean fits = relativePath.indexOf('/') < 0
        && flat.getBytes(StandardCharsets.UTF_8).length <= OutputNames.MAX_NAME_BYTES;
    return shard(runId) + "/" + (fits ? flat : lease + "/" + relativePath);
  }

  /** Whether {@code storageKey} is the key of {@code relativePath} under the lease's token, in either layout. */
  public static boolean isLeaseFile(String storageKey, UUID runId, long fencingToken, String relativePath) {
    return storageKey.equals(storageKey(runId, fencingToken, relativePath))
        || storageKey.equals(runId + "/t" + fencingToken + "/" + relativePath);
  }

  static String shard(UUID runId) {
    String id = runId.toString();
    return runId.version() == 7 ? id.substring(id.length() - 2) : id.substring(0, 2);
  }

  private static String leaseName(UUID runId, long fencingToken) {
    return runId + ".t" + fencingToken;
  }

  /**
   * Renames the spooled {@code body} to {@code storageKey} (replacing a previous upload of the same
   * key) and returns the size and SHA-256 computed while it was spooled. Over {@code limit}: {@link
   * TooLarge}, nothing stored. Where the spool is on another file system than the root (the rename
   * fails), falls back to {@link #write} from the file. Either way the spool file, if it is still
   * there, stays its owner's to delete.
   */
  public Stored move(UUID runId, String storageKey, SpooledBody body, long limit) throws IOException, TooLarge {
    if (body.size() > limit) {
      throw new TooLarge(limit);
    }
    Path target = target(storageKey);
    try {
      try {
        body.moveTo(target);
      } catch (NoSuchFileException e) { // the first file of its shard or lease folder
        DataDirectory.createDirectories(target.getParent());
        body.moveTo(target);
      }
    } catch (AtomicMoveNotSupportedException e) {
      try (InputStream in = body.open()) {
        return write(runId, storageKey, in, limit);
      }
    }
    return new Stored(storageKey, body.size(), body.sha256());
  }

  /**
   * Streams {@code body} to a temporary file in the run's folder, then moves it to {@code storageKey}
   * (replacing a previous upload of the same key). Reads at most {@code limit} bytes: past it, the
   * temporary file is deleted and {@link TooLarge} thrown.
   */
  public Stored write(UUID runId, String storageKey, InputStream body, long limit) throws IOException, TooLarge {
    Path target = target(storageKey);
    DataDirectory.NewFile temp = DataDirectory.createTempFile(target.getParent(), ".upload-", ".part");
    boolean moved = false;
    try {
      MessageDigest sha = sha256();
      long size = 0;
      try (FileChannel out = temp.channel()) {
        byte[] buffer = new byte[64 * 1024];
        int n;
        while ((n = body.read(buffer)) > 0) {
          size += n;
          if (size > limit) {
            throw new TooLarge(limit);
          }
          sha.update(buffer, 0, n);
          ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
          while (chunk.hasRemaining()) {
            out.write(chunk);
          }
        }
      }
      try {
        Files.move(temp.path(), target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp.path(), target, StandardCopyOption.REPLACE_EXISTING);
      }
      moved = true;
      return new Stored(storageKey, size, HexFormat.of().formatHex(sha.digest()));
    } finally {
      if (!moved) {
        Files.deleteIfExists(temp.path());
      }
    }
  }

  private Path target(String storageKey) {
    return resolve(storageKey).orElseThrow(() -> new IllegalArgumentException("bad storage key"));
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
   * re-queued: protocol.md section 6), in either layout. Returns how many files were deleted.
   */
  public int deleteLease(UUID runId, long fencingToken) {
    String lease = leaseName(runId, fencingToken);
    Path shard = root.resolve(shard(runId));
    return deleteMatching(shard, lease + ".*") + deleteTree(shard.resolve(lease))
        + deleteTree(root.resolve(runId.toString()).resolve("t" + fencingToken));
  }

  /** Deletes every file of the run (all leases, either layout). Returns how many files were deleted. */
  public int deleteRun(UUID runId) {
    Path shard = root.resolve(shard(runId));
    int deleted = 0;
    if (Files.isDirectory(shard)) {
      try (DirectoryStream<Path> leases = Files.newDirectoryStream(shard, runId + ".t*")) {
        for (Path path : leases) {
          deleted += Files.isDirectory(path) ? deleteTree(path) : Files.deleteIfExists(path) ? 1 : 0;
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot delete the files of run " + runId, e);
      }
    }
    return deleted + deleteTree(root.resolve(runId.toString()));
  }

  /** Deletes the plain files in {@code dir} whose names match {@code glob}. */
  private static int deleteMatching(Path dir, String glob) {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    int deleted = 0;
    try (DirectoryStream<Path> matches = Files.newDirectoryStream(dir, glob)) {
      for (Path path : matches) {
        if (Files.isRegularFile(path) && Files.deleteIfExists(path)) {
          deleted++;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + glob + " in " + dir, e);
    }
    return deleted;
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

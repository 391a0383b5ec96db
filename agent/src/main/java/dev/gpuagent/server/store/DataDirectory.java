package dev.gpuagent.server.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The server's data folder: created owner-only (0700), with the database file created owner-only
 * (0600) before SQLite opens it, where the file system has POSIX permissions. SQLite gives its
 * {@code -wal} and {@code -shm} files the permissions of the database file. Folders and temporary
 * files made inside it are owner-only too.
 */
public final class DataDirectory {
  /** The database file's name inside the data folder. */
  public static final String DATABASE_FILE = "gpu-agent.db";

  private static final Set<OpenOption> CREATE_NEW_WRITE =
      Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);

  private DataDirectory() {}

  /** Creates {@code dir} (0700) and an empty {@code dir/gpu-agent.db} (0600) where missing; returns the file. */
  public static Path prepareDatabase(Path dir) {
    Path directory = dir.toAbsolutePath().normalize();
    createDirectories(directory);
    Path file = directory.resolve(DATABASE_FILE);
    if (!Files.exists(file)) {
      try {
        Files.createFile(file, ownerOnly(file, "rw-------"));
      } catch (FileAlreadyExistsException e) {
        // another process created it first: fine
      } catch (IOException e) {
        throw new StoreException("cannot create the database file " + file + ": " + e.getMessage(), e);
      }
    }
    return file;
  }

  /**
   * Creates {@code directory} and its missing parents; the folders it creates are owner-only. One
   * lookup when the folder exists; otherwise one lookup per missing level (and one for the deepest
   * existing ancestor), then one mkdir per missing level, top-down. (An output upload to a new run
   * creates two levels: 3 lookups and 2 mkdirs.)
   */
  public static void createDirectories(Path directory) {
    if (Files.isDirectory(directory)) {
      return;
    }
    ArrayDeque<Path> missing = new ArrayDeque<>();
    missing.push(directory);
    Path parent = directory.getParent();
    while (parent != null && !Files.isDirectory(parent)) {
      missing.push(parent);
      parent = parent.getParent();
    }
    FileAttribute<?>[] attributes = ownerOnly(directory, "rwx------");
    while (!missing.isEmpty()) {
      Path level = missing.pop();
      try {
        Files.createDirectory(level, attributes);
      } catch (FileAlreadyExistsException e) {
        if (!Files.isDirectory(level)) {
          throw new StoreException(level + " exists and is not a folder", e);
        }
        // another thread created it first: fine
      } catch (IOException e) {
        throw new StoreException("cannot create the data folder " + level + ": " + e.getMessage(), e);
      }
    }
  }

  /** A file just created by {@link #createTempFile}, open for writing; the caller closes the channel. */
  public record NewFile(Path path, FileChannel channel) {}

  /**
   * Creates an owner-only (0600) file named {@code prefix + random + suffix} in {@code dir} (created
   * when missing) and opens it for writing, with one open call ({@code Files.createTempFile} followed
   * by an open for writing is two, the first also a close).
   */
  public static NewFile createTempFile(Path dir, String prefix, String suffix) throws IOException {
    FileAttribute<?>[] attributes = ownerOnly(dir, "rw-------");
    boolean createdDir = false;
    for (int tries = 0; ; tries++) {
      Path path = dir.resolve(prefix + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + suffix);
      try {
        return new NewFile(path, FileChannel.open(path, CREATE_NEW_WRITE, attributes));
      } catch (FileAlreadyExistsException e) {
        if (tries >= 100) {
          throw e;
        }
      } catch (NoSuchFileException e) {
        if (createdDir) {
          throw e;
        }
        createDirectories(dir);
        createdDir = true;
      }
    }
  }

  /** The permissions as a creation attribute where the file system has POSIX permissions, else none. */
  private static FileAttribute<?>[] ownerOnly(Path path, String permissions) {
    return path.getFileSystem().supportedFileAttributeViews().contains("posix")
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(permissions))}
        : new FileAttribute<?>[0];
  }
}

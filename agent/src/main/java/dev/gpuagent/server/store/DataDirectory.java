package dev.gpuagent.server.store;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The server's data folder: created owner-only (0700), with the database file created owner-only
 * (0600) before SQLite opens it, where the file system has POSIX permissions. SQLite gives its
 * {@code -wal} and {@code -shm} files the permissions of the database file.
 */
public final class DataDirectory {
  /** The database file's name inside the data folder. */
  public static final String DATABASE_FILE = "gpu-agent.db";

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

  /** Creates {@code directory} and its missing parents; the folders it creates are owner-only. */
  public static void createDirectories(Path directory) {
    if (Files.isDirectory(directory)) {
      return;
    }
    Path parent = directory.getParent();
    if (parent != null) {
      createDirectories(parent);
    }
    try {
      Files.createDirectory(directory, ownerOnly(directory, "rwx------"));
    } catch (FileAlreadyExistsException e) {
      if (!Files.isDirectory(directory)) {
        throw new StoreException(directory + " exists and is not a folder", e);
      }
    } catch (IOException e) {
      throw new StoreException("cannot create the data folder " + directory + ": " + e.getMessage(), e);
    }
  }

  private static FileAttribute<?>[] ownerOnly(Path path, String permissions) {
    Path existing = path.getParent();
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    boolean posix = existing == null
        ? path.getFileSystem().supportedFileAttributeViews().contains("posix")
        : Files.getFileAttributeView(existing, java.nio.file.attribute.PosixFileAttributeView.class) != null;
    return posix
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(permissions))}
        : new FileAttribute<?>[0];
  }
}

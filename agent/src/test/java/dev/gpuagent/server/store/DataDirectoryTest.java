package dev.gpuagent.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirectoryTest {
  @TempDir Path dir;

  @Test
  void createDirectoriesMakesEachMissingLevelOwnerOnly() throws Exception {
    Path deep = dir.resolve("a/b/c");
    DataDirectory.createDirectories(deep);
    for (Path level : new Path[] {dir.resolve("a"), dir.resolve("a/b"), deep}) {
      assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(level)), level.toString());
    }
    DataDirectory.createDirectories(deep);
    DataDirectory.createDirectories(dir.resolve("a/b/d"));
    assertTrue(Files.isDirectory(dir.resolve("a/b/d")));
  }

  @Test
  void aFileInTheWayIsRefused() throws Exception {
    Files.writeString(dir.resolve("f"), "x");
    assertThrows(StoreException.class, () -> DataDirectory.createDirectories(dir.resolve("f")));
    assertThrows(StoreException.class, () -> DataDirectory.createDirectories(dir.resolve("f/g")));
  }

  @Test
  void createTempFileMakesAnOwnerOnlyFileOpenForWritingAndItsFolder() throws Exception {
    Path folder = dir.resolve("x/.spool");
    DataDirectory.NewFile first = DataDirectory.createTempFile(folder, ".body-", ".part");
    try (var channel = first.channel()) {
      channel.write(ByteBuffer.wrap(new byte[] {1, 2}));
    }
    DataDirectory.NewFile second = DataDirectory.createTempFile(folder, ".body-", ".part");
    second.channel().close();
    assertEquals(folder, first.path().getParent());
    assertTrue(first.path().getFileName().toString().matches("\\.body-[0-9a-z]+\\.part"), first.path().toString());
    assertTrue(!first.path().equals(second.path()));
    assertEquals(2, Files.size(first.path()));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(first.path())));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(folder)));
  }
}

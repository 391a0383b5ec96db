package dev.gpuagent.server.outputs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputFilesTest {
  @TempDir Path dir;

  @Test
  void writeStoresBytesSizeAndSha256UnderTheLeaseFolder() throws Exception {
    OutputFiles files = new OutputFiles(dir);
    UUID run = UUID.randomUUID();
    String key = OutputFiles.storageKey(run, 7, "sub/a.txt");
    assertEquals(run + "/t7/sub/a.txt", key);
    OutputFiles.Stored stored = files.write(run, key, new ByteArrayInputStream("abc".getBytes(StandardCharsets.UTF_8)), 3);
    assertEquals(3, stored.sizeBytes());
    // SHA-256("abc") from FIPS 180-2's example
    assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", stored.sha256());
    Path path = files.open(key).orElseThrow();
    assertEquals(dir.resolve("outputs").resolve(run.toString()).resolve("t7/sub/a.txt").toAbsolutePath(), path);
    assertArrayEquals("abc".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(path));
  }

  @Test
  void bodyPastTheLimitLeavesNothingBehind() throws Exception {
    OutputFiles files = new OutputFiles(dir);
    UUID run = UUID.randomUUID();
    String key = OutputFiles.storageKey(run, 1, "big.bin");
    assertThrows(OutputFiles.TooLarge.class, () -> files.write(run, key, new ByteArrayInputStream(new byte[11]), 10));
    assertTrue(files.open(key).isEmpty());
    try (var left = Files.list(dir.resolve("outputs").resolve(run.toString()))) {
      assertTrue(left.noneMatch(p -> Files.isRegularFile(p)), "temporary file deleted");
    }
  }

  @Test
  void deleteLeaseRemovesOnlyThatLeasesFiles() throws Exception {
    OutputFiles files = new OutputFiles(dir);
    UUID run = UUID.randomUUID();
    String old = OutputFiles.storageKey(run, 1, "s/a.png");
    String current = OutputFiles.storageKey(run, 2, "a.png");
    files.write(run, old, new ByteArrayInputStream(new byte[] {1}), 10);
    files.write(run, OutputFiles.storageKey(run, 1, "b.png"), new ByteArrayInputStream(new byte[] {2}), 10);
    files.write(run, current, new ByteArrayInputStream(new byte[] {3}), 10);
    assertEquals(2, files.deleteLease(run, 1));
    assertTrue(files.open(old).isEmpty());
    assertTrue(files.open(current).isPresent());
    assertEquals(0, files.deleteLease(run, 1));
    assertEquals(1, files.deleteRun(run));
    assertFalse(Files.exists(dir.resolve("outputs").resolve(run.toString())));
  }

  @Test
  void keysThatLeaveTheRootAreRefused() throws Exception {
    OutputFiles files = new OutputFiles(dir.resolve("data"));
    Files.createDirectories(dir.resolve("data"));
    Files.writeString(dir.resolve("data/secret"), "x");
    assertTrue(files.open("../secret").isEmpty());
    assertTrue(files.open("/etc/passwd").isEmpty());
    assertTrue(files.open("a/../../secret").isEmpty());
    assertTrue(files.open("").isEmpty());
    assertFalse(files.open("..").isPresent());
  }

  @Test
  void encodeSegmentKeepsOnlyUnreservedCharacters() {
    assertEquals("a-b_c.d~E9", OutputLinks.encodeSegment("a-b_c.d~E9"));
    assertEquals("r%C3%A9sum%C3%A9%20%2F%3F%23%25%2B", OutputLinks.encodeSegment("résumé /?#%+"));
    UUID run = UUID.fromString("8f14e45f-ceea-467f-a0e6-f9a8c2d1b3e7");
    assertEquals("/outputs/8f14e45f-ceea-467f-a0e6-f9a8c2d1b3e7/a%20b/c/x.png", OutputLinks.rawPath(run, "a b/c", "x.png"));
    assertEquals("/outputs/8f14e45f-ceea-467f-a0e6-f9a8c2d1b3e7/x.png", OutputLinks.rawPath(run, "", "x.png"));
    assertEquals(64, HexFormat.of().formatHex(new byte[32]).length());
  }
}

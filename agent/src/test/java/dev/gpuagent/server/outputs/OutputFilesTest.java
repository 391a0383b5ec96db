package dev.gpuagent.server.outputs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gpuagent.server.http.SpooledBody;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
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
    String shard = run.toString().substring(0, 2);
    assertEquals(shard + "/" + run + ".t7/sub/a.txt", key, "a subfolder: a folder for the lease");
    OutputFiles.Stored stored = files.write(run, key, new ByteArrayInputStream("abc".getBytes(StandardCharsets.UTF_8)), 3);
    assertEquals(3, stored.sizeBytes());
    // SHA-256("abc") from FIPS 180-2's example
    assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", stored.sha256());
    Path path = files.open(key).orElseThrow();
    assertEquals(dir.resolve("outputs").resolve(shard).resolve(run + ".t7/sub/a.txt").toAbsolutePath(), path);
    assertArrayEquals("abc".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(path));
    assertEquals(List.of(path), regularFiles(files.root()), "no temporary file left");
  }

  @Test
  void bodyPastTheLimitLeavesNothingBehind() throws Exception {
    OutputFiles files = new OutputFiles(dir);
    UUID run = UUID.randomUUID();
    String key = OutputFiles.storageKey(run, 1, "big.bin");
    assertThrows(OutputFiles.TooLarge.class, () -> files.write(run, key, new ByteArrayInputStream(new byte[11]), 10));
    assertTrue(files.open(key).isEmpty());
    assertEquals(List.of(), regularFiles(files.root()), "temporary file deleted");
  }

  @Test
  void moveRenamesTheSpooledFileIntoPlaceWithItsSizeAndSha256() throws Exception {
    OutputFiles files = new OutputFiles(dir);
    UUID run = UUID.randomUUID();
    String key = OutputFiles.storageKey(run, 3, "sub/a.bin");
    byte[] bytes = new byte[200_000];
    new java.util.Random(3).nextBytes(bytes);
    SpooledBody body = spooled(files, bytes);
    OutputFiles.Stored stored = files.move(run, key, body, bytes.length);
    Path path = files.open(key).orElseThrow();
    assertArrayEquals(bytes, Files.readAllBytes(path));
    assertEquals(Files.size(path), stored.sizeBytes());
    assertEquals(sha256(Files.readAllBytes(path)), stored.sha256());
    assertFalse(Files.exists(body.file()), "moved, not copied");
    assertEquals(List.of(path), regularFiles(files.root()), "nothing else left in the spool or the run's folder");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(path)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(path.getParent())));
  }

  @Test
  void moveReplacesThePreviousUploadOfTheKeyAndLeavesOtherLeasesAlone() throws Exception {
    OutputFiles files = new OutputFiles(dir);
    UUID run = UUID.randomUUID();
    String old = OutputFiles.storageKey(run, 1, "a.png");
    String current = OutputFiles.storageKey(run, 2, "a.png");
    files.move(run, old, spooled(files, new byte[] {1}), 10);
    files.move(run, current, spooled(files, new byte[] {2}), 10);
    Path path = files.open(current).orElseThrow();
    try (var reader = Files.newInputStream(path)) {
      files.move(run, current, spooled(files, new byte[] {3, 3}), 10);
      assertEquals(2, reader.read(), "an open reader keeps reading the file it opened");
      assertEquals(-1, reader.read());
    }
    assertArrayEquals(new byte[] {3, 3}, Files.readAllBytes(path));
    assertArrayEquals(new byte[] {1}, Files.readAllBytes(files.open(old).orElseThrow()));
    assertEquals(1, files.deleteLease(run, 1));
    assertEquals(1, files.deleteRun(run));
  }

  @Test
  void moveOverTheLimitStoresNothing() throws Exception {
    OutputFiles files = new OutputFiles(dir);
    UUID run = UUID.randomUUID();
    String key = OutputFiles.storageKey(run, 1, "big.bin");
    SpooledBody body = spooled(files, new byte[11]);
    assertThrows(OutputFiles.TooLarge.class, () -> files.move(run, key, body, 10));
    assertTrue(files.open(key).isEmpty());
    assertFalse(Files.exists(files.root().resolve(run.toString().substring(0, 2))), "no folder made for it");
    assertTrue(Files.exists(body.file()), "the spool file stays its owner's to delete");
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
    assertEquals(List.of(), regularFiles(files.root()));
  }

  @Test
  void aFileWithoutASubfolderIsOneFlatNameInItsShard() throws Exception {
    OutputFiles files = new OutputFiles(dir);
    UUID run = UUID.fromString("8f14e45f-ceea-467f-a0e6-f9a8c2d1b3e7");
    String key = OutputFiles.storageKey(run, 12, "x_00001_.png");
    assertEquals("8f/8f14e45f-ceea-467f-a0e6-f9a8c2d1b3e7.t12.x_00001_.png", key);
    files.move(run, key, spooled(files, new byte[] {7}), 10);
    try (var shards = Files.list(files.root())) {
      assertEquals(List.of("8f"), shards.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("."))
          .toList(), "one shard folder, no folder per run or lease");
    }
    String longName = "n".repeat(230) + ".png"; // valid, but with the lease's prefix over 255 bytes
    assertEquals("8f/8f14e45f-ceea-467f-a0e6-f9a8c2d1b3e7.t12/" + longName,
        OutputFiles.storageKey(run, 12, longName));
    files.write(run, OutputFiles.storageKey(run, 12, longName), new ByteArrayInputStream(new byte[] {8}), 10);
    assertEquals(2, files.deleteLease(run, 12), "both layouts of the lease");
    assertEquals(List.of(), regularFiles(files.root()));
  }

  @Test
  void aTimeOrderedRunIdIsShardedByItsLastTwoDigits() throws Exception {
    OutputFiles files = new OutputFiles(dir);
    // Two version 7 ids of the same millisecond share their first digits; their shards must differ.
    UUID first = UUID.fromString("019ab3f2-6c41-7d2e-9c3a-5e8f1b2c4d01");
    UUID second = UUID.fromString("019ab3f2-6c41-7a10-8b77-0c9d2e3f4a9e");
    assertEquals("01/" + first + ".t1.a.png", OutputFiles.storageKey(first, 1, "a.png"));
    assertEquals("9e/" + second + ".t1.a.png", OutputFiles.storageKey(second, 1, "a.png"));
    files.move(first, OutputFiles.storageKey(first, 1, "a.png"), spooled(files, new byte[] {1}), 10);
    files.move(second, OutputFiles.storageKey(second, 1, "a.png"), spooled(files, new byte[] {2}), 10);
    assertEquals(1, files.deleteRun(first));
    assertEquals(1, files.deleteLease(second, 1));
    assertEquals(List.of(), regularFiles(files.root()));
  }

  @Test
  void filesOfTheEarlierLayoutAreStillServedAndDeleted() throws Exception {
    OutputFiles files = new OutputFiles(dir);
    UUID run = UUID.randomUUID();
    String earlier = run + "/t3/a.png"; // a key stored before the shard layout
    Files.createDirectories(files.root().resolve(run + "/t3"));
    Files.write(files.root().resolve(earlier), new byte[] {5});
    assertTrue(files.open(earlier).isPresent());
    assertEquals(1, files.deleteLease(run, 3));
    assertTrue(files.open(earlier).isEmpty());
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

  /** A body spooled as the HTTP layer does it: in {@code outputs/.spool}, with its size and hash. */
  private static SpooledBody spooled(OutputFiles files, byte[] bytes) throws Exception {
    Path spool = files.root().resolve(".spool");
    Files.createDirectories(spool);
    Path file = Files.createTempFile(spool, ".body-", ".part");
    Files.write(file, bytes);
    return new SpooledBody(file, bytes.length, MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  private static List<Path> regularFiles(Path top) throws Exception {
    try (var walk = Files.walk(top)) {
      return walk.filter(Files::isRegularFile).toList();
    }
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

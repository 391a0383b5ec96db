package dev.gpuagent.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The committed fatbin must have been built from the committed native/ sources: the hash in
 * {@code /native/gpu-agent.fatbin.sha256} is sha256 over the contents of native/**&#47;*.cu,
 * native/**&#47;*.cuh and native/build.sh in sorted path order (as native/build.sh computes it).
 * Runs without a GPU.
 */
class FatbinFreshnessTest {
  private static final int FATBIN_MAGIC = 0xBA55ED50;

  @Test
  void committedHashMatchesTheNativeSources() throws IOException {
    Path nativeDir = nativeDir();
    String committed = resourceText("/native/gpu-agent.fatbin.sha256").trim();
    assertEquals(committed, sourceHash(nativeDir),
        "native/ changed but the fatbin was not rebuilt: run native/build.sh");
  }

  @Test
  void fatbinResourceStartsWithTheFatbinMagic() throws IOException {
    byte[] fatbin = resourceBytes("/native/gpu-agent.fatbin");
    assertTrue(fatbin.length > 16, "fatbin too short: " + fatbin.length + " bytes");
    assertEquals(FATBIN_MAGIC, ByteBuffer.wrap(fatbin).order(ByteOrder.LITTLE_ENDIAN).getInt(0),
        "gpu-agent.fatbin does not start with the fatbin magic 0xBA55ED50");
    assertTrue(fatbin.length < 5 * 1024 * 1024, "fatbin should stay well under 5 MB: " + fatbin.length);
  }

  @Test
  void fatbinHoldsSassForEveryTargetAndPtxForCompute90() throws IOException {
    List<String> entries = entries(resourceBytes("/native/gpu-agent.fatbin"));
    assertEquals(new TreeSet<>(List.of("elf sm_75", "elf sm_80", "elf sm_86", "elf sm_89", "elf sm_90",
        "ptx sm_90")), new TreeSet<>(entries), "fatbin entries " + entries);
  }

  @Test
  void hashChangesWhenASourceChanges(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("build.sh"), "echo\n");
    Files.createDirectories(dir.resolve("sub"));
    Files.writeString(dir.resolve("sub/a.cuh"), "// a\n");
    Files.writeString(dir.resolve("notes.md"), "ignored\n");
    String before = sourceHash(dir);
    Files.writeString(dir.resolve("notes.md"), "still ignored\n");
    assertEquals(before, sourceHash(dir));
    Files.writeString(dir.resolve("sub/a.cuh"), "// b\n");
    assertTrue(!before.equals(sourceHash(dir)));
  }

  /** sha256 over native/**&#47;*.cu, *.cuh and build.sh, concatenated in sorted relative-path order. */
  static String sourceHash(Path nativeDir) throws IOException {
    Set<String> paths = new TreeSet<>();
    try (Stream<Path> files = Files.walk(nativeDir)) {
      files.filter(Files::isRegularFile).forEach(p -> {
        String rel = nativeDir.relativize(p).toString().replace('\\', '/');
        if (rel.endsWith(".cu") || rel.endsWith(".cuh") || rel.equals("build.sh")) {
          paths.add(rel);
        }
      });
    }
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    // TreeSet<String> orders by UTF-16 code units: the same as byte order for ASCII paths (LC_ALL=C sort)
    for (String rel : paths) {
      digest.update(Files.readAllBytes(nativeDir.resolve(rel)));
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /** "elf sm_NN" / "ptx sm_NN" per entry of the fatbin container (layout in native/list_fatbin.py). */
  static List<String> entries(byte[] fatbin) {
    ByteBuffer b = ByteBuffer.wrap(fatbin).order(ByteOrder.LITTLE_ENDIAN);
    int header = Short.toUnsignedInt(b.getShort(6));
    long size = b.getLong(8);
    List<String> out = new ArrayList<>();
    long off = header;
    while (off < header + size) {
      int at = Math.toIntExact(off);
      int kind = Short.toUnsignedInt(b.getShort(at));
      int entryHeader = b.getInt(at + 4);
      long payload = b.getLong(at + 8);
      int sm = b.getInt(at + 28);
      out.add((kind == 2 ? "elf" : kind == 1 ? "ptx" : "kind" + kind) + " sm_" + sm);
      off += entryHeader + payload;
    }
    return out;
  }

  /** The repository's native/ folder: the first ancestor of the working directory that has one. */
  private static Path nativeDir() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("native/build.sh"))) {
        return p.resolve("native");
      }
    }
    throw new AssertionError("native/build.sh not found above " + Path.of("").toAbsolutePath());
  }

  private static byte[] resourceBytes(String name) throws IOException {
    try (InputStream in = FatbinFreshnessTest.class.getResourceAsStream(name)) {
      assertNotNull(in, "missing resource " + name + ": run native/build.sh");
      return in.readAllBytes();
    }
  }

  private static String resourceText(String name) throws IOException {
    return new String(resourceBytes(name), StandardCharsets.US_ASCII);
  }
}

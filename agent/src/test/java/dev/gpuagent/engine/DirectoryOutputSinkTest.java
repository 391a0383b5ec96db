package dev.gpuagent.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryOutputSinkTest {
  @TempDir Path base;

  private DirectoryOutputSink sink() {
    return new DirectoryOutputSink(base.resolve("output"));
  }

  @Test
  void firstFileGetsCounterOne() throws IOException {
    OutputFile file = sink().store("ComfyUI", "png", "output", new byte[] {1, 2, 3});
    assertEquals(new OutputFile("ComfyUI_00001_.png", "", "output", null), file);
    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(base.resolve("output/ComfyUI_00001_.png")));
  }

  @Test
  void counterFollowsTheHighestExistingOne() throws IOException {
    Path out = Files.createDirectories(base.resolve("output"));
    Files.createFile(out.resolve("ComfyUI_00003_.png"));
    Files.createFile(out.resolve("ComfyUI_00041_.png"));
    Files.createFile(out.resolve("ComfyUI_00007_.jpg")); // any extension counts, as in ComfyUI
    Files.createFile(out.resolve("ComfyUI_temp_abcde_00099_.png")); // not a number after the prefix: 0
    Files.createFile(out.resolve("Other_00500_.png"));
    Files.createFile(out.resolve("ComfyUIx_00200_.png"));
    assertEquals("ComfyUI_00042_.png", sink().store("ComfyUI", "png", "output", new byte[0]).filename());
    assertEquals("ComfyUI_00043_.png", sink().store("ComfyUI", "png", "output", new byte[0]).filename());
    assertEquals("Other_00501_.png", sink().store("Other", "png", "output", new byte[0]).filename());
    assertEquals("new_00001_.png", sink().store("new", "png", "output", new byte[0]).filename());
  }

  @Test
  void prefixWithSubfoldersCreatesThem() throws IOException {
    OutputFile file = sink().store("a/b/name", "png", "output", new byte[] {9});
    assertEquals(new OutputFile("name_00001_.png", "a/b", "output", null), file);
    assertTrue(Files.isRegularFile(base.resolve("output/a/b/name_00001_.png")));
    assertEquals("name_00002_.png", sink().store("a/b/name", "png", "output", new byte[0]).filename());
    assertEquals("name_00001_.png", sink().store("a/name", "png", "output", new byte[0]).filename());
  }

  @Test
  void dotDotInsideTheFolderIsNormalised() throws IOException {
    OutputFile file = sink().store("a/../b/name", "png", "output", new byte[0]);
    assertEquals("b", file.subfolder());
    assertTrue(Files.exists(base.resolve("output/b/name_00001_.png")));
  }

  @Test
  void prefixesLeavingTheFolderAreRefused() throws IOException {
    DirectoryOutputSink sink = sink();
    for (String prefix : List.of("../evil", "a/../../evil", "/tmp/evil", "..", "a/..", "", "  ", "dir/",
        "bad\u0000name", "back\\slash")) {
      assertThrows(IOException.class, () -> sink.store(prefix, "png", "output", new byte[0]), prefix);
    }
    assertFalse(Files.exists(base.resolve("evil_00001_.png")));
  }

  @Test
  void symbolicLinkOutOfTheFolderIsRefused() throws IOException {
    Path out = Files.createDirectories(base.resolve("output"));
    Path outside = Files.createDirectories(base.resolve("elsewhere"));
    Files.createSymbolicLink(out.resolve("link"), outside);
    IOException e = assertThrows(IOException.class, () -> sink().store("link/x", "png", "output", new byte[0]));
    assertTrue(e.getMessage().contains("outside"), e.getMessage());
    assertThrows(IOException.class, () -> sink().store("link/new/deeper/x", "png", "output", new byte[0]));
    try (var files = Files.list(outside)) {
      assertEquals(0, files.count());
    }
  }

  @Test
  void tempFilesGoToTheSiblingTempFolder() throws IOException {
    OutputFile file = sink().store("ComfyUI_temp_abcde", "png", "temp", new byte[] {4});
    assertEquals(new OutputFile("ComfyUI_temp_abcde_00001_.png", "", "temp", null), file);
    assertTrue(Files.exists(base.resolve("temp/ComfyUI_temp_abcde_00001_.png")));
  }

  @Test
  void tempFolderIsConfigurable() throws IOException {
    DirectoryOutputSink sink = new DirectoryOutputSink(base.resolve("out"), base.resolve("previews"));
    sink.store("p", "png", "temp", new byte[0]);
    assertTrue(Files.exists(base.resolve("previews/p_00001_.png")));
  }

  @Test
  void unknownTypeAndBadExtensionAreRefused() {
    assertThrows(IOException.class, () -> sink().store("x", "png", "input", new byte[0]));
    assertThrows(IOException.class, () -> sink().store("x", "../png", "output", new byte[0]));
    assertThrows(IOException.class, () -> sink().store("x", "", "output", new byte[0]));
  }

  @Test
  void leavesNoPartialFilesBehind() throws IOException {
    sink().store("x", "png", "output", new byte[100]);
    try (var files = Files.list(base.resolve("output"))) {
      assertEquals(List.of("x_00001_.png"), files.map(p -> p.getFileName().toString()).toList());
    }
  }

  @Test
  void concurrentStoresGetDistinctCounters() throws Exception {
    DirectoryOutputSink sink = sink();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<OutputFile>> futures = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        byte[] data = {(byte) i};
        futures.add(pool.submit(() -> sink.store("c", "png", "output", data)));
      }
      Set<String> names = ConcurrentHashMap.newKeySet();
      for (Future<OutputFile> f : futures) {
        assertNull(f.get().data());
        names.add(f.get().filename());
      }
      assertEquals(40, names.size());
      assertTrue(names.contains("c_00001_.png"));
      assertTrue(names.contains("c_00040_.png"));
    } finally {
      pool.shutdownNow();
    }
  }
}

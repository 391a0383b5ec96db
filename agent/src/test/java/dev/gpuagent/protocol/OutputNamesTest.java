package dev.gpuagent.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class OutputNamesTest {
  @Test
  void comfyUiFileNamesAreAccepted() {
    for (String name : new String[] {"ComfyUI_00001_.png", "my image_00002_.png", "x", "résumé_00001_.jpg",
        "a..b.png", "-", "%41.png"}) {
      assertNull(OutputNames.filenameProblem(name), name);
    }
    assertNull(OutputNames.filenameProblem("a".repeat(255)));
  }

  @Test
  void pathsHiddenFilesAndControlCharactersAreRefused() {
    assertEquals("filename is required", OutputNames.filenameProblem(""));
    assertEquals("filename is required", OutputNames.filenameProblem(null));
    assertEquals("filename must not start with a dot", OutputNames.filenameProblem(".."));
    assertEquals("filename must not start with a dot", OutputNames.filenameProblem(".bashrc"));
    for (String name : new String[] {"a/b.png", "a\\b.png", "a\u0000b", "line\nbreak", "del\u007f"}) {
      assertEquals("filename must not contain '/', '\\' or control characters", OutputNames.filenameProblem(name), name);
    }
    assertEquals("filename is longer than 255 bytes", OutputNames.filenameProblem("a".repeat(256)));
    assertEquals("filename is longer than 255 bytes", OutputNames.filenameProblem("\u00e9".repeat(128)), "bytes, not chars");
  }

  @Test
  void subfoldersAreEmptyOrUpToEightNames() {
    assertNull(OutputNames.subfolderProblem(""));
    assertNull(OutputNames.subfolderProblem(null));
    assertNull(OutputNames.subfolderProblem("portraits"));
    assertNull(OutputNames.subfolderProblem("a/b/c/d/e/f/g/h"));
    assertEquals("subfolder is deeper than 8 levels", OutputNames.subfolderProblem("a/b/c/d/e/f/g/h/i"));
    assertNotNull(OutputNames.subfolderProblem("a/../b"));
    assertNotNull(OutputNames.subfolderProblem("/abs"));
    assertNotNull(OutputNames.subfolderProblem("a//b"));
    assertNotNull(OutputNames.subfolderProblem("a/"));
  }
}

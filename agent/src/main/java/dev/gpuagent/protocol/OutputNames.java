package dev.gpuagent.protocol;

import java.nio.charset.StandardCharsets;

/**
 * The rules for output file names and subfolders in upload URLs and {@code run_finished} (shared so
 * that the worker never uploads a name the server refuses). A name is 1 to 255 UTF-8 bytes, does not
 * start with a dot, and has no {@code /}, {@code \} or control characters; a subfolder is empty or up
 * to 8 such names joined by {@code /}.
 */
public final class OutputNames {
  public static final int MAX_NAME_BYTES = 255;
  public static final int MAX_SUBFOLDER_DEPTH = 8;

  private OutputNames() {}

  /** Null when {@code filename} is acceptable, else why not. */
  public static String filenameProblem(String filename) {
    if (filename == null || filename.isEmpty()) {
      return "filename is required";
    }
    if (filename.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
      return "filename is longer than " + MAX_NAME_BYTES + " bytes";
    }
    if (filename.charAt(0) == '.') {
      return "filename must not start with a dot";
    }
    for (int i = 0; i < filename.length(); i++) {
      char c = filename.charAt(i);
      if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f) {
        return "filename must not contain '/', '\\' or control characters";
      }
    }
    return null;
  }

  /** Null when {@code subfolder} (possibly empty) is acceptable, else why not. */
  public static String subfolderProblem(String subfolder) {
    if (subfolder == null || subfolder.isEmpty()) {
      return null;
    }
    String[] parts = subfolder.split("/", -1);
    if (parts.length > MAX_SUBFOLDER_DEPTH) {
      return "subfolder is deeper than " + MAX_SUBFOLDER_DEPTH + " levels";
    }
    for (String part : parts) {
      String problem = filenameProblem(part);
      if (problem != null) {
        return "subfolder: each part must be a valid name (" + problem + ")";
      }
    }
    return null;
  }

  static void checkFilename(String filename) {
    String problem = filenameProblem(filename);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
  }

  static void checkSubfolder(String subfolder) {
    String problem = subfolderProblem(subfolder);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
  }
}

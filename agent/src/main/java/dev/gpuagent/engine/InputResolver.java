package dev.gpuagent.engine;

import java.io.IOException;

/**
 * Reads input files that a workflow names: a file in the input folder, a {@code data:} URL, or an
 * http(s) URL that the configured allow-list permits.
 */
@FunctionalInterface
public interface InputResolver {
  byte[] read(String reference) throws IOException;

  static InputResolver none() {
    return reference -> {
      throw new IOException("no input source is configured for '" + reference + "'");
    };
  }
}

package dev.gpuagent.engine;

import java.io.IOException;

/**
 * Where output files go: a folder for {@code gpu-agent run}, an upload to the server for a worker.
 * The sink picks the final name, {@code {prefix}_{counter:05}_.{extension}} as ComfyUI does.
 */
public interface OutputSink {
  /**
   * Stores one file.
   *
   * @param prefix the node's filename prefix, possibly with subfolders ({@code "a/b/name"})
   * @param type {@code output} or {@code temp}
   */
  OutputFile store(String prefix, String extension, String type, byte[] data) throws IOException;

  /** A sink that keeps nothing; for benchmarks and tests that only look at events. */
  static OutputSink discard() {
    return new OutputSink() {
      private int counter;

      @Override
      public synchronized OutputFile store(String prefix, String extension, String type, byte[] data) {
        return new OutputFile(String.format("%s_%05d_.%s", prefix, ++counter, extension), "", type, null);
      }
    };
  }
}

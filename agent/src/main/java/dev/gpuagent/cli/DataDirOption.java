package dev.gpuagent.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --data-dir DIR}: where the control plane keeps its database and files (flag > GPU_AGENT_DATA_DIR > ./data). */
final class DataDirOption {
  @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "${env:GPU_AGENT_DATA_DIR:-data}",
      description = "The server's data folder (created owner-only); the database is DIR/gpu-agent.db."
          + " Default: $GPU_AGENT_DATA_DIR, else ./data.")
  Path dataDir;
}

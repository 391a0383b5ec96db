package dev.gpuagent.protocol;

import java.time.Duration;

/** Constants of docs/protocol.md: version, paths, headers, close codes and the server's defaults. */
public final class Protocol {
  /** The highest version this build speaks, sent in {@code hello} and {@code welcome}; it speaks 1 as well. */
  public static final int VERSION = 2;

  /**
   * The first version in which {@code uploading} frees the run's slot: the graph is done, so the
   * slot may run the next lease while the outputs are still travelling (docs/protocol.md section 7).
   */
  public static final int UPLOADING_FREES_SLOT = 2;

  /** The WebSocket endpoint. */
  public static final String CONNECT_PATH = "/worker/v1/connect";
  /** Output uploads: {@code PUT} with {@code {run_id}} and {@code {filename}} filled in. */
  public static final String OUTPUT_PATH_TEMPLATE = "/worker/v1/runs/{run_id}/outputs/{filename}";
  /** Every path under this prefix takes worker tokens only. */
  public static final String WORKER_PATH_PREFIX = "/worker/";
  public static final String FENCING_TOKEN_HEADER = "X-Fencing-Token";
  /** The {@code gpu_type} of CPU slots, and the {@code gpu} value that asks for one. */
  public static final String CPU_GPU_TYPE = "CPU";

  public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(10);
  public static final Duration DEFAULT_LEASE_TTL = Duration.ofSeconds(30);
  public static final Duration DEFAULT_PROGRESS_INTERVAL = Duration.ofMillis(50);
  public static final Duration HELLO_TIMEOUT = Duration.ofSeconds(10);
  public static final int DEFAULT_MAX_ATTEMPTS = 3;
  public static final long DEFAULT_MAX_UPLOAD_BYTES = 256L << 20;
  public static final int DEFAULT_MAX_FRAME_BYTES = 16 << 20;
  /** Deepest JSON nesting in a frame: a lease nests the workflow (itself at most 64 deep) two levels down. */
  public static final int MAX_NESTING_DEPTH = 96;

  /** WebSocket close codes beyond RFC 6455's (1000 normal, 1001 going away, 1002 protocol error, 1009 too big). */
  public static final int CLOSE_REPLACED = 4000;
  public static final int CLOSE_HELLO_TIMEOUT = 4001;
  public static final int CLOSE_IDLE_TIMEOUT = 4002;

  private Protocol() {}
}

package dev.gpuagent.worker;

import dev.gpuagent.config.LayeredSettings;
import dev.gpuagent.config.LayeredSettings.Setting;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The worker's settings, resolved once: flag > {@code GPU_AGENT_*} environment variable > YAML file >
 * default. Every setting is documented in {@code config/worker.yaml}.
 *
 * @param server the control plane's URL ({@code http://host:port}); the WebSocket goes to
 *     {@code ws://host:port/worker/v1/connect}
 * @param token the worker token ({@code gwt_...}); required
 * @param name the worker's name; with the token it fixes the worker id
 * @param labels free-form labels sent in {@code hello}
 * @param gpus {@code auto} (use every usable GPU), {@code none} (CPU slots only, JCuda never loaded) or
 *     {@code required} (refuse to start without a usable GPU)
 * @param cpuSlots CPU slots to offer; -1: one when no GPU is used, else none
 * @param cpuThreads threads per CPU slot; 0: the cores divided among the CPU slots
 * @param metricsHost address of the {@code /metrics} and {@code /healthz} listener
 * @param metricsPort its port; 0 any free port, -1 no listener
 * @param drainTimeout how long a drain lets running runs finish (systemd's {@code TimeoutStopSec})
 * @param inputDir folder input images are read from
 * @param allowUrlHosts hosts input images may be fetched from over http(s)
 */
public record WorkerSettings(URI server, String token, String name, Map<String, String> labels, GpuUse gpus,
    int cpuSlots, int cpuThreads, String metricsHost, int metricsPort, Duration drainTimeout, Path inputDir,
    List<String> allowUrlHosts) {

  /** How the worker uses GPUs. */
  public enum GpuUse { auto, none, required }

  public static final String CONFIG_ENV = "GPU_AGENT_WORKER_CONFIG";
  public static final int DEFAULT_METRICS_PORT = 9464;

  public static final Setting SERVER = new Setting("server", "GPU_AGENT_SERVER", "http://127.0.0.1:8080");
  public static final Setting TOKEN = new Setting("token", "GPU_AGENT_TOKEN", "");
  public static final Setting NAME = new Setting("name", "GPU_AGENT_NAME", "");
  public static final Setting LABELS = new Setting("labels", "GPU_AGENT_LABELS", "");
  public static final Setting GPUS = new Setting("gpus", "GPU_AGENT_GPUS", "auto");
  public static final Setting CPU_SLOTS = new Setting("cpu_slots", "GPU_AGENT_CPU_SLOTS", "-1");
  public static final Setting CPU_THREADS = new Setting("cpu_threads", "GPU_AGENT_CPU_THREADS", "0");
  public static final Setting METRICS_HOST = new Setting("metrics_host", "GPU_AGENT_METRICS_HOST", "0.0.0.0");
  public static final Setting METRICS_PORT = new Setting("metrics_port", "GPU_AGENT_METRICS_PORT",
      String.valueOf(DEFAULT_METRICS_PORT));
  public static final Setting DRAIN_TIMEOUT_S = new Setting("drain_timeout_s", "GPU_AGENT_DRAIN_TIMEOUT_S", "300");
  public static final Setting INPUT_DIR = new Setting("input_dir", "GPU_AGENT_INPUT_DIR", "input");
  public static final Setting ALLOW_URL_HOSTS = new Setting("allow_url_hosts", "GPU_AGENT_ALLOW_URL_HOSTS", "");

  public static final List<Setting> ALL = List.of(SERVER, TOKEN, NAME, LABELS, GPUS, CPU_SLOTS, CPU_THREADS,
      METRICS_HOST, METRICS_PORT, DRAIN_TIMEOUT_S, INPUT_DIR, ALLOW_URL_HOSTS);

  public WorkerSettings {
    Objects.requireNonNull(server, "server");
    String scheme = server.getScheme();
    if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || server.getHost() == null) {
      throw new IllegalArgumentException("server must be an http(s) URL such as http://host:8080, got '" + server + "'");
    }
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("a worker token is required: --token, GPU_AGENT_TOKEN or token in the config"
          + " file (create one with `gpu-agent tokens create` on the server)");
    }
    if (name == null || name.isBlank() || name.length() > 128) {
      throw new IllegalArgumentException("name must be 1 to 128 characters");
    }
    labels = Map.copyOf(labels);
    Objects.requireNonNull(gpus, "gpus");
    if (cpuSlots < -1 || cpuSlots > 64) {
      throw new IllegalArgumentException("cpu_slots must be 0..64 (or -1 for automatic), got " + cpuSlots);
    }
    if (cpuThreads < 0) {
      throw new IllegalArgumentException("cpu_threads must be >= 0, got " + cpuThreads);
    }
    if (metricsPort < -1 || metricsPort > 65535) {
      throw new IllegalArgumentException("metrics_port must be 0..65535 (or -1 for none), got " + metricsPort);
    }
    if (drainTimeout.isNegative()) {
      throw new IllegalArgumentException("drain_timeout_s must be >= 0");
    }
    Objects.requireNonNull(inputDir, "inputDir");
    allowUrlHosts = List.copyOf(allowUrlHosts);
  }

  /** Resolves every setting; {@code flags} are keyed by YAML name. */
  public static WorkerSettings resolve(Map<String, String> flags, Map<String, String> env, Path configFile) {
    LayeredSettings s = LayeredSettings.resolve(ALL, flags, env, configFile);
    GpuUse gpus;
    try {
      gpus = GpuUse.valueOf(s.text(GPUS.yaml()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("gpus must be auto, none or required, got '" + s.text(GPUS.yaml()) + "'");
    }
    URI server;
    try {
      server = URI.create(s.text(SERVER.yaml()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("server is not a URL: '" + s.text(SERVER.yaml()) + "'");
    }
    String name = s.text(NAME.yaml());
    return new WorkerSettings(server, s.text(TOKEN.yaml()), name.isEmpty() ? hostName() : name,
        s.pairs(LABELS.yaml()), gpus, s.integer(CPU_SLOTS.yaml()), s.integer(CPU_THREADS.yaml()),
        s.text(METRICS_HOST.yaml()), s.integer(METRICS_PORT.yaml()),
        Duration.ofSeconds(s.integer(DRAIN_TIMEOUT_S.yaml())), Path.of(s.text(INPUT_DIR.yaml())),
        s.list(ALLOW_URL_HOSTS.yaml()));
  }

  /** The WebSocket URL of the worker endpoint. */
  public URI connectUri() {
    String scheme = server.getScheme().equals("https") ? "wss" : "ws";
    int port = server.getPort() >= 0 ? server.getPort() : server.getScheme().equals("https") ? 443 : 80;
    return URI.create(scheme + "://" + hostForUri(server.getHost()) + ":" + port + "/worker/v1/connect");
  }

  /** Resolves an upload URL from a lease ({@code /worker/...} or absolute) against the server URL. */
  public URI resolve(String url) {
    return server.resolve(url);
  }

  private static String hostForUri(String host) {
    return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
  }

  static String hostName() {
    String env = System.getenv("HOSTNAME");
    if (env != null && !env.isBlank()) {
      return env.strip();
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "worker";
    }
  }
}

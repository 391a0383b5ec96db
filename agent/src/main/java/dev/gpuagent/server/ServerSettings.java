package dev.gpuagent.server;

import dev.gpuagent.config.LayeredSettings;
import dev.gpuagent.protocol.Protocol;
import dev.gpuagent.server.dispatch.DispatchSettings;
import dev.gpuagent.server.http.HttpServerConfig;
import dev.gpuagent.server.store.NewRun;
import dev.gpuagent.server.store.StoreSync;
import dev.gpuagent.server.webhooks.WebhookSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The server's settings, resolved once: command-line flag > environment variable ({@code GPU_AGENT_*})
 * > YAML config file > built-in default. Every setting is documented in {@code config/server.yaml}.
 *
 * @param host address to listen on
 * @param port port to listen on (0 = any free port)
 * @param dataDir the database and stored files
 * @param deploymentsDir deployment files loaded at start (a missing folder loads none)
 * @param organisation the organisation that file-loaded deployments belong to (created if new)
 * @param maxBodyBytes request body limit (413 above)
 * @param webhookMaxAttempts tries per webhook event before it is given up
 * @param publicUrl the server's URL as clients reach it (output download links start with it); null:
 *     {@code http://HOST:PORT} of the bound listener
 * @param outputUrlTtlS how long a signed output download link stays valid, in seconds
 * @param maxUploadBytes the largest output file a worker may upload (streamed to disk: the body limit
 *     does not cap it)
 * @param heartbeatIntervalMs how often workers heartbeat (announced in {@code welcome}; 3 silent intervals close)
 * @param leaseTtlMs how long a lease lives without renewal (longer than the heartbeat interval)
 * @param progressIntervalMs how often a worker may send progress per run (announced in {@code welcome})
 * @param maxAttempts leases of a run that may expire before it fails (copied to each run when queued)
 * @param storeSync {@code full} (every commit survives a power cut) or {@code normal} (a commit survives
 *     {@code kill -9} of the server but may be lost with the last moments before a power cut or OS crash)
 */
public record ServerSettings(String host, int port, Path dataDir, Path deploymentsDir, String organisation,
    int maxBodyBytes, int webhookMaxAttempts, String publicUrl, int outputUrlTtlS, long maxUploadBytes,
    long heartbeatIntervalMs, long leaseTtlMs, long progressIntervalMs, int maxAttempts, StoreSync storeSync) {

  public static final int DEFAULT_OUTPUT_URL_TTL_S = 3600;
  public static final long DEFAULT_MAX_UPLOAD_BYTES = 268_435_456L;

  /** One setting: its YAML key, its environment variable and its default. */
  public enum Key {
    HOST("host", "GPU_AGENT_HOST", "127.0.0.1"),
    PORT("port", "GPU_AGENT_PORT", "8080"),
    DATA_DIR("data_dir", "GPU_AGENT_DATA_DIR", "data"),
    DEPLOYMENTS_DIR("deployments_dir", "GPU_AGENT_DEPLOYMENTS_DIR", "config/deployments"),
    ORGANISATION("organisation", "GPU_AGENT_ORGANISATION", "default"),
    MAX_BODY_BYTES("max_body_bytes", "GPU_AGENT_MAX_BODY_BYTES", String.valueOf(HttpServerConfig.DEFAULT_MAX_BODY_BYTES)),
    WEBHOOK_MAX_ATTEMPTS("webhook_max_attempts", "GPU_AGENT_WEBHOOK_MAX_ATTEMPTS",
        String.valueOf(WebhookSettings.DEFAULT_MAX_ATTEMPTS)),
    PUBLIC_URL("public_url", "GPU_AGENT_PUBLIC_URL", ""),
    OUTPUT_URL_TTL_S("output_url_ttl_s", "GPU_AGENT_OUTPUT_URL_TTL_S", String.valueOf(DEFAULT_OUTPUT_URL_TTL_S)),
    MAX_UPLOAD_BYTES("max_upload_bytes", "GPU_AGENT_MAX_UPLOAD_BYTES", String.valueOf(DEFAULT_MAX_UPLOAD_BYTES)),
    HEARTBEAT_INTERVAL_MS("heartbeat_interval_ms", "GPU_AGENT_HEARTBEAT_INTERVAL_MS",
        String.valueOf(Protocol.DEFAULT_HEARTBEAT_INTERVAL.toMillis())),
    LEASE_TTL_MS("lease_ttl_ms", "GPU_AGENT_LEASE_TTL_MS", String.valueOf(Protocol.DEFAULT_LEASE_TTL.toMillis())),
    PROGRESS_INTERVAL_MS("progress_interval_ms", "GPU_AGENT_PROGRESS_INTERVAL_MS",
        String.valueOf(Protocol.DEFAULT_PROGRESS_INTERVAL.toMillis())),
    MAX_ATTEMPTS("max_attempts", "GPU_AGENT_MAX_ATTEMPTS", String.valueOf(NewRun.DEFAULT_MAX_ATTEMPTS)),
    STORE_SYNC("store_sync", "GPU_AGENT_STORE_SYNC", "full");

    final String yaml;
    final String env;
    final String defaultValue;

    Key(String yaml, String env, String defaultValue) {
      this.yaml = yaml;
      this.env = env;
      this.defaultValue = defaultValue;
    }

    public String env() {
      return env;
    }
  }

  /** The environment variable that names the config file when {@code --config} is not given. */
  public static final String CONFIG_ENV = "GPU_AGENT_CONFIG";

  public ServerSettings {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("host must be set");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535, got " + port);
    }
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(deploymentsDir, "deploymentsDir");
    if (organisation == null || organisation.isBlank()) {
      throw new IllegalArgumentException("organisation must be set");
    }
    if (maxBodyBytes < 1) {
      throw new IllegalArgumentException("max_body_bytes must be positive, got " + maxBodyBytes);
    }
    if (webhookMaxAttempts < 1 || webhookMaxAttempts > 100) {
      throw new IllegalArgumentException("webhook_max_attempts must be 1..100, got " + webhookMaxAttempts);
    }
    if (publicUrl != null && publicUrl.isBlank()) {
      publicUrl = null;
    }
    if (publicUrl != null) {
      publicUrl = publicUrl.strip();
      if (!publicUrl.matches("https?://[^/?#\\s]+(/[^?#\\s]*)?")) {
        throw new IllegalArgumentException("public_url must be an absolute http(s) URL without query, got '"
            + publicUrl + "'");
      }
      while (publicUrl.endsWith("/")) {
        publicUrl = publicUrl.substring(0, publicUrl.length() - 1);
      }
    }
    if (outputUrlTtlS < 1) {
      throw new IllegalArgumentException("output_url_ttl_s must be positive, got " + outputUrlTtlS);
    }
    if (maxUploadBytes < 1) {
      throw new IllegalArgumentException("max_upload_bytes must be positive, got " + maxUploadBytes);
    }
    if (heartbeatIntervalMs < 1) {
      throw new IllegalArgumentException("heartbeat_interval_ms must be positive, got " + heartbeatIntervalMs);
    }
    if (leaseTtlMs <= heartbeatIntervalMs) {
      throw new IllegalArgumentException("lease_ttl_ms (" + leaseTtlMs + ") must be longer than heartbeat_interval_ms ("
          + heartbeatIntervalMs + ")");
    }
    if (progressIntervalMs < 0) {
      throw new IllegalArgumentException("progress_interval_ms must be >= 0, got " + progressIntervalMs);
    }
    if (maxAttempts < 1 || maxAttempts > 100) {
      throw new IllegalArgumentException("max_attempts must be 1..100, got " + maxAttempts);
    }
    Objects.requireNonNull(storeSync, "storeSync");
  }

  /** As the canonical constructor, with {@code store_sync: full}. */
  public ServerSettings(String host, int port, Path dataDir, Path deploymentsDir, String organisation,
      int maxBodyBytes, int webhookMaxAttempts, String publicUrl, int outputUrlTtlS, long maxUploadBytes,
      long heartbeatIntervalMs, long leaseTtlMs, long progressIntervalMs, int maxAttempts) {
    this(host, port, dataDir, deploymentsDir, organisation, maxBodyBytes, webhookMaxAttempts, publicUrl, outputUrlTtlS,
        maxUploadBytes, heartbeatIntervalMs, leaseTtlMs, progressIntervalMs, maxAttempts, StoreSync.FULL);
  }

  /** The settings with the protocol's defaults for the worker side (docs/protocol.md section 15). */
  public ServerSettings(String host, int port, Path dataDir, Path deploymentsDir, String organisation,
      int maxBodyBytes, int webhookMaxAttempts, String publicUrl, int outputUrlTtlS, long maxUploadBytes) {
    this(host, port, dataDir, deploymentsDir, organisation, maxBodyBytes, webhookMaxAttempts, publicUrl, outputUrlTtlS,
        maxUploadBytes, Protocol.DEFAULT_HEARTBEAT_INTERVAL.toMillis(), Protocol.DEFAULT_LEASE_TTL.toMillis(),
        Protocol.DEFAULT_PROGRESS_INTERVAL.toMillis(), NewRun.DEFAULT_MAX_ATTEMPTS);
  }

  /** The settings with defaults for webhooks and output storage (no public URL). */
  public ServerSettings(String host, int port, Path dataDir, Path deploymentsDir, String organisation,
      int maxBodyBytes) {
    this(host, port, dataDir, deploymentsDir, organisation, maxBodyBytes, WebhookSettings.DEFAULT_MAX_ATTEMPTS,
        null, DEFAULT_OUTPUT_URL_TTL_S, DEFAULT_MAX_UPLOAD_BYTES);
  }

  /**
   * The base of output links: {@code public_url}, else {@code http://HOST:PORT} with the bound port (a
   * wildcard host becomes the loopback address: set {@code public_url} when clients are elsewhere).
   */
  public String publicUrl(int boundPort) {
    if (publicUrl != null) {
      return publicUrl;
    }
    String shown = host.equals("0.0.0.0") ? "127.0.0.1" : host.equals("::") ? "::1" : host;
    return "http://" + (shown.contains(":") ? "[" + shown + "]" : shown) + ":" + boundPort;
  }

  /**
   * Resolves every setting.
   *
   * @param flags the settings given on the command line (absent keys were not given)
   * @param env the environment
   * @param configFile the YAML file, or null for none
   */
  public static ServerSettings resolve(Map<Key, String> flags, Map<String, String> env, Path configFile) {
    Map<Key, String> file = configFile == null ? Map.of() : readYaml(configFile);
    Map<Key, String> value = new HashMap<>();
    for (Key key : Key.values()) {
      String chosen = flags.get(key);
      if (chosen == null) {
        chosen = env.get(key.env);
      }
      if (chosen == null || chosen.isBlank()) {
        chosen = file.getOrDefault(key, key.defaultValue);
      }
      value.put(key, chosen.strip());
    }
    return new ServerSettings(value.get(Key.HOST), integer(Key.PORT, value.get(Key.PORT)),
        Path.of(value.get(Key.DATA_DIR)), Path.of(value.get(Key.DEPLOYMENTS_DIR)), value.get(Key.ORGANISATION),
        integer(Key.MAX_BODY_BYTES, value.get(Key.MAX_BODY_BYTES)),
        integer(Key.WEBHOOK_MAX_ATTEMPTS, value.get(Key.WEBHOOK_MAX_ATTEMPTS)), value.get(Key.PUBLIC_URL),
        integer(Key.OUTPUT_URL_TTL_S, value.get(Key.OUTPUT_URL_TTL_S)),
        longInteger(Key.MAX_UPLOAD_BYTES, value.get(Key.MAX_UPLOAD_BYTES)),
        longInteger(Key.HEARTBEAT_INTERVAL_MS, value.get(Key.HEARTBEAT_INTERVAL_MS)),
        longInteger(Key.LEASE_TTL_MS, value.get(Key.LEASE_TTL_MS)),
        longInteger(Key.PROGRESS_INTERVAL_MS, value.get(Key.PROGRESS_INTERVAL_MS)),
        integer(Key.MAX_ATTEMPTS, value.get(Key.MAX_ATTEMPTS)), storeSync(value.get(Key.STORE_SYNC)));
  }

  private static StoreSync storeSync(String text) {
    try {
      return StoreSync.valueOf(text.toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("store_sync must be full or normal, got '" + text + "'");
    }
  }

  /** This settings' copy with {@code storeSync}. */
  public ServerSettings withStoreSync(StoreSync sync) {
    return new ServerSettings(host, port, dataDir, deploymentsDir, organisation, maxBodyBytes, webhookMaxAttempts,
        publicUrl, outputUrlTtlS, maxUploadBytes, heartbeatIntervalMs, leaseTtlMs, progressIntervalMs, maxAttempts,
        sync);
  }

  /**
   * The worker side's settings: these intervals, the upload limit in force, and the protocol's fixed
   * values (sweep every second, hello timeout, frame limit).
   */
  public DispatchSettings dispatch() {
    DispatchSettings d = DispatchSettings.defaults();
    return new DispatchSettings(Duration.ofMillis(heartbeatIntervalMs), Duration.ofMillis(leaseTtlMs),
        Duration.ofMillis(progressIntervalMs), maxUploadBytes, d.maxFrameBytes(), d.sweepInterval(),
        d.helloTimeout(), d.serverVersion());
  }

  /** The config file to read: {@code --config} > {@code GPU_AGENT_CONFIG} > none. */
  public static Path configFile(Path flag, Map<String, String> env) {
    if (flag != null) {
      return flag;
    }
    String named = env.get(CONFIG_ENV);
    return named == null || named.isBlank() ? null : Path.of(named.strip());
  }

  public WebhookSettings webhooks() {
    return WebhookSettings.defaults().withMaxAttempts(webhookMaxAttempts);
  }

  public HttpServerConfig http() {
    return HttpServerConfig.defaults(host, port).withMaxBodyBytes(maxBodyBytes);
  }

  private static int integer(Key key, String text) {
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key.yaml + " must be an integer, got '" + text + "'");
    }
  }

  private static long longInteger(Key key, String text) {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key.yaml + " must be an integer, got '" + text + "'");
    }
  }

  /** The file's settings; an unknown key or a non-scalar value is an error (a typo must not pass silently). */
  static Map<Key, String> readYaml(Path file) {
    java.util.List<LayeredSettings.Setting> known = java.util.Arrays.stream(Key.values())
        .map(key -> new LayeredSettings.Setting(key.yaml, key.env, key.defaultValue)).toList();
    Map<Key, String> settings = new HashMap<>();
    LayeredSettings.readYaml(file, known).forEach((name, value) -> {
      for (Key key : Key.values()) {
        if (key.yaml.equals(name)) {
          settings.put(key, value);
        }
      }
    });
    return settings;
  }
}

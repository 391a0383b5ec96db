package dev.gpuagent.cli;

import dev.gpuagent.metrics.Metrics;
import dev.gpuagent.ops.NodeRegistry;
import dev.gpuagent.server.ControlPlane;
import dev.gpuagent.server.ServerSettings;
import dev.gpuagent.server.ServerSettings.Key;
import dev.gpuagent.server.api.CancelNotifier;
import dev.gpuagent.server.store.StoreException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code gpu-agent server}: the control plane, until SIGTERM or SIGINT. */
@Command(name = "server", mixinStandardHelpOptions = true,
    description = "Run the control plane: the public run API under /api, deployments, /healthz and /metrics."
        + " Settings: flag > GPU_AGENT_* environment variable > YAML config file > default (config/server.yaml).")
final class ServerCommand implements Callable<Integer> {
  static final int EXIT_CONFIG = 2;

  @Spec CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "YAML settings file. Default: $GPU_AGENT_CONFIG, else none.")
  Path config;

  @Option(names = "--host", paramLabel = "HOST", description = "Address to listen on. Default 127.0.0.1.")
  String host;

  @Option(names = "--port", paramLabel = "N", description = "Port to listen on (0 = any free port). Default 8080.")
  String port;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "Data folder (database, files). Default ./data.")
  Path dataDir;

  @Option(names = "--deployments", paramLabel = "DIR",
      description = "Folder of deployment files loaded at start. Default config/deployments.")
  Path deployments;

  @Override
  public Integer call() throws InterruptedException {
    ServerSettings settings;
    try {
      settings = ServerSettings.resolve(flags(), System.getenv(), ServerSettings.configFile(config, System.getenv()));
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("gpu-agent server: " + e.getMessage());
      return EXIT_CONFIG;
    }
    Metrics metrics = Metrics.prometheus();
    metrics.bindJvm();
    metrics.buildInfo(Version.current());
    ControlPlane server;
    try {
      server = ControlPlane.start(settings, metrics, NodeRegistry.standard(), CancelNotifier.NONE, Clock.systemUTC());
    } catch (IllegalArgumentException | IllegalStateException | StoreException e) {
      spec.commandLine().getErr().println("gpu-agent server: " + e.getMessage());
      return 1;
    }
    SystemdNotify systemd = SystemdNotify.fromEnvironment();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      systemd.stopping("shutting down");
      server.close();
      stopped.countDown();
    }, "server-shutdown"));
    // READY only once the shutdown hook is in place: a stop right after READY must still say STOPPING.
    systemd.ready("serving the run API");
    stopped.await();
    return 0;
  }

  private Map<Key, String> flags() {
    Map<Key, String> flags = new EnumMap<>(Key.class);
    put(flags, Key.HOST, host);
    put(flags, Key.PORT, port);
    put(flags, Key.DATA_DIR, dataDir);
    put(flags, Key.DEPLOYMENTS_DIR, deployments);
    return flags;
  }

  private static void put(Map<Key, String> flags, Key key, Object value) {
    if (value != null) {
      flags.put(key, value.toString());
    }
  }
}

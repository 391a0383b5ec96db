package dev.gpuagent.cli;

import dev.gpuagent.gpu.GpuUnavailableException;
import dev.gpuagent.metrics.Metrics;
import dev.gpuagent.ops.NodeRegistry;
import dev.gpuagent.server.http.HttpApiServer;
import dev.gpuagent.server.http.HttpServerConfig;
import dev.gpuagent.server.http.Router;
import dev.gpuagent.server.http.SystemRoutes;
import dev.gpuagent.worker.SlotPlan;
import dev.gpuagent.worker.SlotRuntime;
import dev.gpuagent.worker.WorkerAgent;
import dev.gpuagent.worker.WorkerSettings;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gpu-agent worker}: connects to a server, offers one slot per GPU (plus CPU slots), runs the
 * leases it is given, and drains on SIGTERM. Exit codes: 0 after a clean drain, 143 after a forced
 * stop (second SIGTERM or the drain timeout), 2 bad settings, 3 {@code gpus: required} without a GPU.
 */
@Command(name = "worker", mixinStandardHelpOptions = true,
    description = "Run a worker: lease queued runs from a server and execute them on this host's GPUs (or CPU)."
        + " Settings: flag > GPU_AGENT_* environment variable > YAML config file > default (config/worker.yaml).",
    footer = {"", "Signals: the first SIGTERM (or Ctrl-C) drains: no new leases, running runs finish;",
        "the second (or the drain timeout) cancels them and hands them back for re-queueing.",
        "Exit codes: 0 drained; 143 forced stop; 2 bad settings; 3 --gpus required but no usable GPU."})
final class WorkerCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerCommand.class);

  @Spec CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "YAML settings file. Default: $GPU_AGENT_WORKER_CONFIG, else none.")
  Path config;

  @Option(names = "--server", paramLabel = "URL", description = "The server's URL. Default http://127.0.0.1:8080.")
  String server;

  @Option(names = "--token", paramLabel = "TOKEN", description = "Worker token (gwt_...). Prefer GPU_AGENT_TOKEN: flags show in ps.")
  String token;

  @Option(names = "--name", paramLabel = "NAME", description = "Worker name. Default: the host name.")
  String name;

  @Option(names = "--cpu-slots", paramLabel = "N", description = "CPU slots. Default: 1 when no GPU is used, else 0.")
  Integer cpuSlots;

  @Option(names = "--gpus", paramLabel = "auto|none|required", description = "GPU use. Default auto.")
  String gpus;

  @Option(names = "--metrics-port", paramLabel = "N", description = "Port of /metrics and /healthz (-1: none). Default 9464.")
  Integer metricsPort;

  @Option(names = "--drain-timeout", paramLabel = "SECONDS", description = "How long a drain waits for runs. Default 300.")
  Integer drainTimeout;

  @Override
  public Integer call() {
    WorkerSettings settings;
    try {
      settings = WorkerSettings.resolve(flags(), System.getenv(),
          dev.gpuagent.config.LayeredSettings.configFile(config, System.getenv(), WorkerSettings.CONFIG_ENV));
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("gpu-agent worker: " + e.getMessage());
      return ServerCommand.EXIT_CONFIG;
    }
    Metrics metrics = Metrics.prometheus();
    metrics.bindJvm();
    metrics.buildInfo(Version.current());
    List<SlotRuntime> slots;
    try {
      slots = SlotPlan.build(settings);
    } catch (GpuUnavailableException e) {
      spec.commandLine().getErr().println("gpu-agent worker: gpus is required but no usable GPU: " + e.getMessage());
      return RunCommand.EXIT_NO_GPU;
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("gpu-agent worker: " + e.getMessage());
      return ServerCommand.EXIT_CONFIG;
    }
    SystemdNotify systemd = SystemdNotify.fromEnvironment();
    WorkerAgent agent = new WorkerAgent(settings, slots, NodeRegistry.standard(), metrics, Version.current(),
        new SystemdLifecycle(systemd));
    HttpApiServer http = null;
    try {
      if (settings.metricsPort() >= 0) {
        http = metricsListener(settings, metrics, agent);
      }
      StopSignals.install(() -> agent.drain("signal"), agent::forceStop);
      agent.start();
      int status = agent.exited().join();
      return status;
    } finally {
      agent.close();
      if (http != null) {
        http.close();
      }
    }
  }

  /** {@code /metrics} and {@code /healthz} on their own small listener. */
  static HttpApiServer metricsListener(WorkerSettings settings, Metrics metrics, WorkerAgent agent) {
    Router.Builder routes = Router.builder();
    SystemRoutes.addTo(routes, metrics, () -> health(agent));
    HttpApiServer http = new HttpApiServer(HttpServerConfig.defaults(settings.metricsHost(), settings.metricsPort())
        .withHandlerThreads(2, 64), routes.build(), metrics);
    InetSocketAddress bound = http.start();
    LOG.info("worker metrics on http://{}:{}/metrics (health: /healthz)", bound.getHostString(), bound.getPort());
    return http;
  }

  static SystemRoutes.Health health(WorkerAgent agent) {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("connected", agent.connected());
    details.put("worker_id", agent.workerId());
    details.put("slots", agent.slots().size());
    details.put("busy_slots", agent.busySlots());
    String problem = agent.unhealthyReason();
    if (problem != null) {
      details.put("reason", problem);
    }
    return new SystemRoutes.Health(problem == null, details);
  }

  private Map<String, String> flags() {
    Map<String, String> flags = new HashMap<>();
    put(flags, WorkerSettings.SERVER, server);
    put(flags, WorkerSettings.TOKEN, token);
    put(flags, WorkerSettings.NAME, name);
    put(flags, WorkerSettings.CPU_SLOTS, cpuSlots);
    put(flags, WorkerSettings.GPUS, gpus);
    put(flags, WorkerSettings.METRICS_PORT, metricsPort);
    put(flags, WorkerSettings.DRAIN_TIMEOUT_S, drainTimeout);
    return flags;
  }

  private static void put(Map<String, String> flags, dev.gpuagent.config.LayeredSettings.Setting setting, Object value) {
    if (value != null) {
      flags.put(setting.yaml(), value.toString());
    }
  }

  /** The worker's lifecycle as systemd notifications (DESIGN section 6). */
  static final class SystemdLifecycle implements WorkerAgent.Lifecycle {
    private final SystemdNotify systemd;

    SystemdLifecycle(SystemdNotify systemd) {
      this.systemd = systemd;
    }

    @Override
    public void registered(String workerId, boolean first) {
      if (first) {
        systemd.ready("registered as worker " + workerId);
      }
    }

    @Override
    public void reachable() {
      systemd.watchdog();
    }

    @Override
    public void drainStarted(String reason) {
      systemd.stopping("draining (" + reason + ")");
    }

    @Override
    public void status(String text) {
      systemd.status(text);
    }
  }
}

package dev.gpuagent.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gpuagent.gpu.GpuUnavailableException;
import dev.gpuagent.metrics.Metrics;
import dev.gpuagent.ops.NodeRegistry;
import dev.gpuagent.server.ControlPlane;
import dev.gpuagent.server.ServerSettings;
import dev.gpuagent.server.ServerSettings.Key;
import dev.gpuagent.server.api.CancelNotifier;
import dev.gpuagent.server.identity.IdentityStore;
import dev.gpuagent.server.identity.IssuedSecret;
import dev.gpuagent.server.store.Deployment;
import dev.gpuagent.server.store.StoreException;
import dev.gpuagent.worker.SlotPlan;
import dev.gpuagent.worker.SlotRuntime;
import dev.gpuagent.worker.WorkerAgent;
import dev.gpuagent.worker.WorkerSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gpu-agent dev}: a server and one worker in one process on an embedded store, the one-machine
 * default. The API key and the worker's token are made once and kept in the data folder (0600), so
 * a restart keeps them; {@code --api-key} supplies one instead.
 */
@Command(name = "dev", mixinStandardHelpOptions = true,
    description = "Run a server and a worker in one process (GPU slots if a GPU is usable, else 2 CPU slots),"
        + " load config/deployments/, and print the API URL, an API key and a curl command that queues a run.",
    footer = {"", "Ctrl-C (or SIGTERM) drains the worker and stops; a second one stops at once."})
final class DevCommand implements Callable<Integer> {
  static final String API_KEY_FILE = "dev-api-key";
  static final String WORKER_TOKEN_FILE = "dev-worker-token";
  static final int DEV_DRAIN_SECONDS = 30;
  /** CPU slots when no GPU is usable (and --cpu-slots is not given). */
  static final int DEV_CPU_SLOTS = 2;

  @Spec CommandSpec spec;

  @Option(names = "--port", paramLabel = "N", description = "Port of the API (0 = any free port). Default 8080.")
  String port;

  @Option(names = "--host", paramLabel = "HOST", description = "Address to listen on. Default 127.0.0.1.")
  String host;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "Data folder (database, outputs, the dev key). Default ./data.")
  Path dataDir;

  @Option(names = "--deployments", paramLabel = "DIR", description = "Deployment files loaded at start. Default config/deployments.")
  Path deployments;

  @Option(names = "--api-key", paramLabel = "KEY",
      description = "Use this API key (gak_...) instead of the one generated and kept in the data folder.")
  String apiKey;

  @Option(names = "--cpu-slots", paramLabel = "N", description = "CPU slots. Default: 2 when no GPU is usable, else 0.")
  Integer cpuSlots;

  @Option(names = "--gpus", paramLabel = "auto|none", defaultValue = "auto",
      description = "Use GPUs when usable (auto) or never (none). Default ${DEFAULT-VALUE}.")
  String gpus;

  @Option(names = "--input-dir", paramLabel = "DIR", defaultValue = "config/workflows/input",
      description = "Folder LoadImage reads from. Default ${DEFAULT-VALUE}.")
  Path inputDir;

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ServerSettings settings;
    try {
      settings = ServerSettings.resolve(serverFlags(), System.getenv(), null);
    } catch (IllegalArgumentException e) {
      err.println("gpu-agent dev: " + e.getMessage());
      return ServerCommand.EXIT_CONFIG;
    }
    Metrics metrics = Metrics.prometheus();
    metrics.bindJvm();
    metrics.buildInfo(Version.current());
    NodeRegistry registry = NodeRegistry.standard();
    ControlPlane server;
    try {
      server = ControlPlane.start(settings, metrics, registry, CancelNotifier.NONE, Clock.systemUTC());
    } catch (IllegalArgumentException | IllegalStateException | StoreException e) {
      err.println("gpu-agent dev: " + e.getMessage());
      return 1;
    }
    WorkerAgent worker = null;
    try {
      String key;
      String token;
      try {
        key = apiKey(server, settings.dataDir());
        token = workerToken(server.identity(), settings.dataDir());
      } catch (IllegalArgumentException e) {
        err.println("gpu-agent dev: --api-key: " + e.getMessage());
        return ServerCommand.EXIT_CONFIG;
      }
      String base = settings.publicUrl(server.port());
      WorkerSettings workerSettings = workerSettings(base, token);
      List<SlotRuntime> slots;
      try {
        slots = SlotPlan.build(workerSettings, DEV_CPU_SLOTS);
      } catch (GpuUnavailableException | IllegalArgumentException e) {
        err.println("gpu-agent dev: " + e.getMessage());
        return ServerCommand.EXIT_CONFIG;
      }
      WorkerAgent agent = new WorkerAgent(workerSettings, slots, registry, metrics, Version.current(), null);
      worker = agent;
      SystemdNotify systemd = SystemdNotify.fromEnvironment();
      StopSignals.install(() -> {
        systemd.stopping("draining");
        agent.drain("signal");
      }, agent::forceStop);
      agent.start();
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!agent.connected() && System.nanoTime() < deadline && !agent.exited().isDone()) {
        Thread.sleep(5);
      }
      banner(out, base, key, settings, server, agent);
      systemd.ready("serving " + base);
      int status = agent.exited().join();
      out.println("gpu-agent dev: stopped" + (status == 0 ? "" : " (runs were handed back)"));
      return 0;
    } finally {
      if (worker != null) {
        worker.close();
      }
      server.close();
    }
  }

  private WorkerSettings workerSettings(String base, String token) {
    Map<String, String> flags = new HashMap<>();
    flags.put(WorkerSettings.SERVER.yaml(), base);
    flags.put(WorkerSettings.TOKEN.yaml(), token);
    flags.put(WorkerSettings.NAME.yaml(), "dev");
    flags.put(WorkerSettings.GPUS.yaml(), gpus);
    flags.put(WorkerSettings.METRICS_PORT.yaml(), "-1"); // one registry: the server's /metrics shows both roles
    flags.put(WorkerSettings.DRAIN_TIMEOUT_S.yaml(), String.valueOf(DEV_DRAIN_SECONDS));
    flags.put(WorkerSettings.INPUT_DIR.yaml(), inputDir.toString());
    if (cpuSlots != null) {
      flags.put(WorkerSettings.CPU_SLOTS.yaml(), cpuSlots.toString());
    }
    // Only the dev mode's own flags count: GPU_AGENT_* variables meant for a real worker must not leak in.
    return WorkerSettings.resolve(flags, Map.of(), null);
  }

  private Map<Key, String> serverFlags() {
    Map<Key, String> flags = new EnumMap<>(Key.class);
    if (host != null) {
      flags.put(Key.HOST, host);
    }
    if (port != null) {
      flags.put(Key.PORT, port);
    }
    if (dataDir != null) {
      flags.put(Key.DATA_DIR, dataDir.toString());
    }
    if (deployments != null) {
      flags.put(Key.DEPLOYMENTS_DIR, deployments.toString());
    }
    return flags;
  }

  /** The API key: {@code --api-key}, else the one kept in the data folder, else a new one kept there. */
  private String apiKey(ControlPlane server, Path data) throws IOException {
    IdentityStore identity = server.identity();
    if (apiKey != null) {
      identity.importApiKey(server.organisation().id(), "dev", apiKey.strip());
      return apiKey.strip();
    }
    return kept(data.resolve(API_KEY_FILE), text -> identity.authenticateApiKey(text).isPresent(),
        () -> identity.createApiKey(server.organisation().id(), "dev"));
  }

  private static String workerToken(IdentityStore identity, Path data) throws IOException {
    return kept(data.resolve(WORKER_TOKEN_FILE), text -> identity.authenticateWorkerToken(text).isPresent(),
        () -> identity.createWorkerToken("dev"));
  }

  /** A secret kept in a 0600 file: reused while it still authenticates, else replaced by a new one. */
  private static String kept(Path file, Predicate<String> valid, java.util.function.Supplier<IssuedSecret> create)
      throws IOException {
    if (Files.isRegularFile(file)) {
      String text = Files.readString(file).strip();
      if (valid.test(text)) {
        return text;
      }
    }
    String secret = create.get().plaintext();
    Path partial = file.resolveSibling("." + file.getFileName() + ".partial");
    Files.deleteIfExists(partial);
    Files.createFile(partial, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(partial, secret + "\n");
    Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    return secret;
  }

  private void banner(PrintStream out, String base, String key, ServerSettings settings, ControlPlane server,
      WorkerAgent agent) {
    List<Deployment> loaded = server.stores().deployments().list(server.organisation().id());
    StringBuilder slots = new StringBuilder();
    agent.slots().forEach(s -> slots.append(slots.isEmpty() ? "" : ", ").append(s.slotId()).append(" (")
        .append(s.gpuType()).append(")"));
    out.println();
    out.println("gpu-agent dev is running: a server and a worker in one process.");
    out.println("  API        " + base + "/api   (OpenAPI document: " + base + "/api/openapi.json)");
    out.println("  API key    " + key + "   (kept in " + settings.dataDir().resolve(API_KEY_FILE) + ")");
    out.println("  worker     " + (agent.connected() ? "registered" : "NOT registered yet") + ", slots: " + slots);
    out.println("  metrics    " + base + "/metrics   health: " + base + "/healthz");
    out.println("  deployments:");
    for (Deployment d : loaded) {
      out.println("    " + d.id() + "  " + d.name() + inputsOf(d));
    }
    Deployment sample = loaded.stream().filter(d -> d.name().contains("showcase")).findFirst()
        .orElse(loaded.isEmpty() ? null : loaded.get(0));
    if (sample != null) {
      out.println();
      out.println("Queue a run:");
      out.println("  curl -s -X POST " + base + "/api/run/deployment/queue \\");
      out.println("    -H 'Authorization: Bearer " + key + "' -H 'Content-Type: application/json' \\");
      out.println("    -d '{\"deployment_id\": \"" + sample.id() + "\", \"inputs\": {}}'");
      out.println("Then poll it:  curl -s -H 'Authorization: Bearer " + key + "' " + base + "/api/run/RUN_ID");
      out.println("Or in one go:  bin/gpu-agent submit --server " + base + " --deployment " + sample.id() + " --wait");
    }
    out.println();
    out.println("Ctrl-C stops (running runs finish first; a second Ctrl-C stops at once).");
    out.flush();
  }

  private static String inputsOf(Deployment d) {
    try {
      JsonNode schema = new ObjectMapper().readTree(d.inputSchema());
      List<String> names = new java.util.ArrayList<>();
      schema.forEach(input -> names.add(input.path("key").asText() + "=" + input.path("default")));
      if (!names.isEmpty()) {
        return "   (inputs: " + String.join(", ", names) + ")";
      }
    } catch (IOException | RuntimeException e) {
      // the schema is informative only
    }
    return "";
  }
}

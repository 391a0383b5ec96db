package dev.gpuagent.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gpu-agent submit}: queues a run of a deployment through the public API, prints its id and,
 * with {@code --wait}, follows it to the end. Exit codes: 0 queued (or, waiting, success); 1 the run
 * failed, timed out or was cancelled by someone else; 2 the API refused the request (its detail is
 * printed) or the server could not be reached; 130 cancelled here with Ctrl-C.
 */
@Command(name = "submit", mixinStandardHelpOptions = true,
    description = {"Queue a run of a deployment through the public API and print its id. With --wait, show its",
        "live progress until it ends, then print the output URLs; Ctrl-C then offers to cancel the run",
        "(without a terminal, Ctrl-C cancels it).",
        "Exit codes: 0 queued / success, 1 failed, timed out or cancelled elsewhere, 2 refused by the API",
        "or server unreachable, 130 cancelled with Ctrl-C."})
final class SubmitCommand implements Callable<Integer> {
  static final String DEFAULT_SERVER = "http://127.0.0.1:8080";
  static final String SERVER_ENV = "GPU_AGENT_SERVER";
  static final String API_KEY_ENV = "GPU_AGENT_API_KEY";
  /** Where {@code gpu-agent dev} keeps the API key it generated (relative to the working folder). */
  static final Path DEV_KEY_FILE = Path.of("data", "dev-api-key");
  static final int EXIT_FAILED = 1;
  static final int EXIT_REFUSED = 2;
  static final int EXIT_CANCELLED = 130;
  static final long POLL_MILLIS = 100;
  /** How long polling may fail (server restarting, network) before waiting is given up. */
  static final long UNREACHABLE_GIVE_UP_MILLIS = 60_000;

  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--deployment", required = true, paramLabel = "ID", description = "The deployment's id.")
  String deployment;

  @Option(names = "--inputs", paramLabel = "JSON|@FILE", description = "Run inputs (an object keyed by input_id), as JSON or @file.")
  String inputs;

  @Option(names = "--gpu", paramLabel = "TYPE", description = "GPU type to run on (overrides the deployment's), e.g. H100 or CPU.")
  String gpu;

  @Option(names = "--server", paramLabel = "URL",
      description = "The server. Default: $" + SERVER_ENV + ", else " + DEFAULT_SERVER + ".")
  String server;

  @Option(names = "--api-key", paramLabel = "KEY",
      description = "API key. Default: $" + API_KEY_ENV + ", else the key gpu-agent dev keeps in ./data/dev-api-key.")
  String apiKey;

  @Option(names = "--wait", description = "Follow the run until it ends; exit with its outcome.")
  boolean waitForEnd;

  /** The environment and dev key file (tests replace them). */
  Map<String, String> env = System.getenv();
  Path devKeyFile = DEV_KEY_FILE;

  private PrintStream out;
  private PrintStream err;

  @Override
  public Integer call() throws InterruptedException {
    out = System.out;
    err = System.err;
    String url = firstSet(server, env.get(SERVER_ENV), DEFAULT_SERVER);
    String key = firstSet(apiKey, env.get(API_KEY_ENV), devKey());
    if (key == null) {
      return refused("no API key: give --api-key, set " + API_KEY_ENV + ", or run this where `gpu-agent dev` keeps "
          + devKeyFile);
    }
    JsonNode inputValues;
    try {
      inputValues = readInputs();
    } catch (IllegalArgumentException e) {
      return refused(e.getMessage());
    }
    try (RunApiClient api = new RunApiClient(url, key)) {
      String runId;
      try {
        runId = api.queue(deployment, inputValues, gpu);
      } catch (RunApiClient.ApiError e) {
        return apiError("queue", e);
      } catch (IOException e) {
        return refused("cannot reach " + api.server() + ": " + describe(e));
      }
      out.println(runId);
      out.flush();
      return waitForEnd ? new Watch(api, runId).follow() : 0;
    }
  }

  /** Follows one run to its end; owns the Ctrl-C handling while it does. */
  private final class Watch {
    private enum Asking { NO, YES, CANCELLING }

    private final RunApiClient api;
    private final String runId;
    private final boolean terminal = ProgressPrinter.stdoutIsTerminal();
    private final RunRecordPrinter printer = new RunRecordPrinter(out, terminal);
    private final AtomicReference<Asking> asking = new AtomicReference<>(Asking.NO);
    private final AtomicBoolean cancelledHere = new AtomicBoolean();

    Watch(RunApiClient api, String runId) {
      this.api = api;
      this.runId = runId;
    }

    int follow() throws InterruptedException {
      out.flush();
      try (InterruptHandler ignored = InterruptHandler.install(this::onCtrlC, this::cancel)) {
        long failingSince = 0;
        while (true) {
          JsonNode run;
          try {
            run = api.run(runId);
            failingSince = 0;
          } catch (RunApiClient.ApiError e) {
            printer.breakLine();
            return apiError("get run", e);
          } catch (IOException e) {
            long now = System.currentTimeMillis();
            if (failingSince == 0) {
              failingSince = now;
              printer.breakLine();
              err.println("gpu-agent submit: cannot reach " + api.server() + " (" + describe(e) + "); retrying");
              err.flush();
            } else if (now - failingSince > UNREACHABLE_GIVE_UP_MILLIS) {
              err.println("gpu-agent submit: gave up waiting for run " + runId + ": " + api.server()
                  + " unreachable for " + UNREACHABLE_GIVE_UP_MILLIS / 1000 + " s");
              return EXIT_FAILED;
            }
            TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
            continue;
          }
          String status = run.path("status").asText();
          if (isTerminal(status)) {
            if (asking.get() == Asking.YES) {
              out.println();
            }
            printer.finished();
            return report(run, status);
          }
          if (asking.get() != Asking.YES) {
            printer.show(run);
          }
          TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
        }
      }
    }

    /** Runs on the signal's own thread, so asking (which blocks on the console) does not stop polling. */
    private void onCtrlC() {
      if (!terminal) {
        cancel();
        return;
      }
      if (asking.compareAndSet(Asking.NO, Asking.YES)) {
        printer.breakLine();
        out.print("cancel run " + runId + "? [y/N] ");
        out.flush();
        String answer = System.console() == null ? null : System.console().readLine();
        if (answer != null && answer.strip().toLowerCase(Locale.ROOT).matches("y|yes")) {
          cancel();
        } else {
          asking.compareAndSet(Asking.YES, Asking.NO);
        }
      } else if (asking.get() == Asking.YES) {
        // A second Ctrl-C during the question means yes.
        out.println();
        cancel();
      }
    }

    private void cancel() {
      if (asking.getAndSet(Asking.CANCELLING) == Asking.CANCELLING) {
        return;
      }
      cancelledHere.set(true);
      out.println("cancelling run " + runId + " ...");
      out.flush();
      try {
        api.cancel(runId);
      } catch (RunApiClient.ApiError e) {
        if (e.status != 409) { // 409: it ended first; the poll reports how
          err.println("gpu-agent submit: cancel refused: " + String.join("; ", e.lines()));
          err.flush();
        }
      } catch (IOException e) {
        err.println("gpu-agent submit: cannot cancel run " + runId + ": " + describe(e));
        err.flush();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private int report(JsonNode run, String status) {
      double seconds = run.path("duration").asDouble(0);
      switch (status) {
        case "success" -> {
          for (JsonNode output : run.path("outputs")) {
            JsonNode meta = output.path("node_meta");
            String node = "  (node " + meta.path("node_id").asText("?") + ", " + meta.path("class_type").asText("?") + ")";
            for (JsonNode image : output.path("data").path("images")) {
              out.println(image.path("url").asText(image.path("filename").asText()) + node);
            }
            for (JsonNode text : output.path("data").path("text")) {
              out.println("text from node " + meta.path("node_id").asText("?") + ": "
                  + (text.isTextual() ? text.asText() : text.toString()));
            }
          }
          out.printf(Locale.ROOT, "success in %.3f s%n", seconds);
          out.flush();
          return 0;
        }
        case "cancelled" -> {
          err.println("run " + runId + " cancelled" + (cancelledHere.get() ? "" : " (not from here)"));
          err.flush();
          return cancelledHere.get() ? EXIT_CANCELLED : EXIT_FAILED;
        }
        case "timeout" -> {
          err.printf(Locale.ROOT, "run %s timed out after %.3f s: %s%n", runId, seconds, run.path("live_status").asText(""));
          err.flush();
          return EXIT_FAILED;
        }
        default -> {
          JsonNode error = run.path("error");
          String where = error.hasNonNull("node_id") ? " at node " + error.path("node_id").asText() + " ("
              + error.path("class_type").asText() + ")" : "";
          String message = error.hasNonNull("message") ? error.path("message").asText() : run.path("live_status").asText("");
          err.printf(Locale.ROOT, "run %s failed%s after %.3f s: %s%n", runId, where, seconds, message);
          err.flush();
          return EXIT_FAILED;
        }
      }
    }
  }

  static boolean isTerminal(String status) {
    return switch (status) {
      case "success", "failed", "timeout", "cancelled" -> true;
      default -> false;
    };
  }

  private int apiError(String call, RunApiClient.ApiError e) {
    String hint = switch (e.status) {
      case 401 -> " (check --api-key or " + API_KEY_ENV + ")";
      case 404 -> call.equals("queue") ? " (deployment " + deployment + ")" : "";
      default -> "";
    };
    var lines = e.lines();
    if (lines.size() == 1) {
      err.println("gpu-agent submit: " + e.status + " " + lines.getFirst() + hint);
    } else {
      err.println("gpu-agent submit: " + e.status + hint);
      lines.forEach(line -> err.println("  " + line));
    }
    err.flush();
    return EXIT_REFUSED;
  }

  private int refused(String message) {
    err.println("gpu-agent submit: " + message);
    err.flush();
    return EXIT_REFUSED;
  }

  private JsonNode readInputs() {
    if (inputs == null) {
      return null;
    }
    String text = inputs;
    if (inputs.startsWith("@")) {
      try {
        text = Files.readString(Path.of(inputs.substring(1)));
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read --inputs file " + inputs.substring(1) + ": " + describe(e));
      }
    }
    JsonNode node;
    try {
      node = JSON.readTree(text);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException("--inputs is not valid JSON: " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("--inputs must be a JSON object keyed by input_id");
    }
    return node;
  }

  private String devKey() {
    try {
      return Files.isRegularFile(devKeyFile) ? Files.readString(devKeyFile).strip() : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static String firstSet(String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        return v.strip();
      }
    }
    return null;
  }

  private static String describe(IOException e) {
    if (e instanceof ConnectException) {
      return "connection refused";
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}

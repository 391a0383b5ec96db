package dev.gpuagent.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.gpuagent.cpu.CpuBackend;
import dev.gpuagent.engine.Backend;
import dev.gpuagent.engine.CancelToken;
import dev.gpuagent.engine.DirectoryOutputSink;
import dev.gpuagent.engine.Executor;
import dev.gpuagent.engine.HostAllowList;
import dev.gpuagent.engine.LocalInputs;
import dev.gpuagent.engine.NodeOutput;
import dev.gpuagent.engine.OutputFile;
import dev.gpuagent.engine.RunContext;
import dev.gpuagent.engine.RunResult;
import dev.gpuagent.gpu.CudaBackend;
import dev.gpuagent.gpu.GpuUnavailableException;
import dev.gpuagent.ops.NodeRegistry;
import dev.gpuagent.workflow.ExecutionPlan;
import dev.gpuagent.workflow.ExternalInputs;
import dev.gpuagent.workflow.Validation;
import dev.gpuagent.workflow.ValidationFailure;
import dev.gpuagent.workflow.Validator;
import dev.gpuagent.workflow.Workflow;
import dev.gpuagent.workflow.WorkflowLimits;
import dev.gpuagent.workflow.WorkflowParseException;
import dev.gpuagent.workflow.WorkflowParser;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code gpu-agent run WORKFLOW.json}: validates and executes one workflow locally, with no server.
 * Exit codes: 0 success, 1 failed or timed out, 2 invalid workflow or inputs, 3 {@code --backend cuda}
 * without a usable GPU, 130 interrupted.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Validate and execute one workflow file locally (no server).",
    footer = {"", "Exit codes: 0 success; 1 the run failed or timed out;",
        "2 the workflow or its inputs are invalid (ComfyUI's error JSON is printed);",
        "3 --backend cuda but no usable GPU (the reason is printed);",
        "130 interrupted (Ctrl-C cancels the run)."})
final class RunCommand implements Callable<Integer> {
  static final int EXIT_FAILED = 1;
  static final int EXIT_INVALID = 2;
  static final int EXIT_NO_GPU = 3;
  static final int EXIT_INTERRUPTED = 130;

  private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

  @Parameters(index = "0", paramLabel = "WORKFLOW.json", description = "A ComfyUI API-format workflow.")
  Path workflowFile;

  @Option(names = "--inputs", paramLabel = "JSON|@FILE",
      description = "Run inputs for the workflow's external-input nodes, as JSON or @file.")
  String inputs;

  @Option(names = "--input-dir", paramLabel = "DIR",
      description = "Folder input images are read from (default: 'input' beside the workflow if it exists, else ./input).")
  Path inputDir;

  @Option(names = "--output-dir", paramLabel = "DIR", defaultValue = "output",
      description = "Folder outputs are written to (default: ${DEFAULT-VALUE}); previews go to DIR/../temp.")
  Path outputDir;

  @Option(names = "--backend", paramLabel = "auto|cpu|cuda", defaultValue = "auto",
      description = "Where nodes run (default: ${DEFAULT-VALUE}): auto uses the GPU when a usable one exists, else"
          + " the CPU (and logs why); cuda fails with exit code 3 when there is none; cpu never loads CUDA.")
  BackendChoice backend;

  @Option(names = "--device", paramLabel = "N", defaultValue = "0",
      description = "CUDA device index for the cuda and auto backends (default: ${DEFAULT-VALUE}; see gpu-agent gpus).")
  int device;

  @Option(names = "--timeout", paramLabel = "SECONDS", description = "Stop the run after this many seconds.")
  Double timeoutSeconds;

  @Option(names = "--allow-url-host", paramLabel = "HOST",
      description = "Allow input images from http(s) URLs on this host ('*.example.com' for subdomains). Repeatable.")
  List<String> allowedHosts = new ArrayList<>();

  @Option(names = "--threads", description = "CPU backend threads (default: all cores).")
  Integer threads;

  enum BackendChoice { auto, cpu, cuda }

  private final PrintStream out = System.out;
  private final PrintStream err = System.err;

  @Override
  public Integer call() throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    WorkflowLimits limits = WorkflowLimits.DEFAULT;
    NodeRegistry registry = NodeRegistry.standard();

    Workflow workflow;
    try {
      if (Files.size(workflowFile) > limits.maxJsonBytes()) {
        throw new WorkflowParseException(ValidationFailure.of("limit_exceeded", "Workflow exceeds a configured limit",
            "workflow file is " + Files.size(workflowFile) + " bytes, over the limit of " + limits.maxJsonBytes()));
      }
      workflow = new WorkflowParser(limits).parse(Files.readAllBytes(workflowFile));
      if (inputs != null) {
        workflow = ExternalInputs.apply(workflow, readInputs(mapper));
      }
    } catch (WorkflowParseException e) {
      return invalid(mapper, e.failure());
    } catch (IOException e) {
      err.println("gpu-agent run: cannot read " + e.getMessage());
      return EXIT_INVALID;
    }
    Validation validation = new Validator(registry, limits).validate(workflow);
    if (validation instanceof Validation.Invalid invalid) {
      return invalid(mapper, invalid.failure());
    }
    ExecutionPlan plan = ((Validation.Valid) validation).plan();

    Path inputs = inputDir != null ? inputDir : defaultInputDir();
    Path outputs = outputDir.toAbsolutePath().normalize();
    CancelToken token = timeoutSeconds == null ? CancelToken.none()
        : CancelToken.withTimeout((long) (timeoutSeconds * 1e9));
    Backend selected;
    try {
      selected = chooseBackend();
    } catch (GpuUnavailableException e) {
      err.println("gpu-agent run: --backend cuda: no usable GPU: " + e.getMessage());
      return EXIT_NO_GPU;
    }
    try (Backend chosen = selected;
        LocalInputs inputFiles = new LocalInputs(inputs, HostAllowList.of(allowedHosts),
            LocalInputs.DEFAULT_MAX_BYTES, LocalInputs.DEFAULT_TIMEOUT)) {
      log.info("backend: {}", chosen.description());
      RunContext context = new RunContext(UUID.randomUUID().toString(), chosen,
          new ProgressPrinter(out, ProgressPrinter.stdoutIsTerminal()), token,
          new DirectoryOutputSink(outputs, outputs.resolveSibling("temp")),
          inputFiles, limits, workflow.json());
      // Ctrl-C: the JVM runs this hook and halts (exit 130) once it returns, so the hook cancels the
      // run and waits until the main thread has stopped it and said so.
      CountDownLatch reported = new CountDownLatch(1);
      java.util.concurrent.atomic.AtomicBoolean interrupted = new java.util.concurrent.atomic.AtomicBoolean();
      Thread onInterrupt = new Thread(() -> {
        interrupted.set(true);
        token.cancel("interrupted");
        try {
          reported.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException ignored) {
          Thread.currentThread().interrupt();
        }
      }, "gpu-agent-run-interrupt");
      Runtime.getRuntime().addShutdownHook(onInterrupt);
      RunResult result;
      try {
        result = new Executor(registry).execute(plan, context);
        if (interrupted.get()) {
          err.println("gpu-agent run: interrupted, run cancelled at node " + result.failedNodeId()
              + " (" + result.failedClassType() + ")");
          err.flush();
          return EXIT_INTERRUPTED;
        }
      } finally {
        reported.countDown();
      }
      Runtime.getRuntime().removeShutdownHook(onInterrupt);
      return report(result, outputs);
    }
  }

  private int report(RunResult result, Path outputs) {
    double seconds = result.durationNanos() / 1e9;
    switch (result.status()) {
      case SUCCESS -> {
        for (NodeOutput output : result.outputs()) {
          for (OutputFile file : output.images()) {
            Path folder = "temp".equals(file.type()) ? outputs.resolveSibling("temp") : outputs;
            out.println(folder.resolve(file.subfolder()).resolve(file.filename()).normalize()
                + "  (node " + output.nodeId() + ", " + output.classType() + ")");
          }
          output.text().forEach(text -> out.println("text from node " + output.nodeId() + ": " + text));
        }
        out.printf("success in %.3f s%n", seconds);
        return 0;
      }
      case CANCELLED -> {
        err.printf("cancelled at node %s (%s) after %.3f s: %s%n", result.failedNodeId(),
            result.failedClassType(), seconds, result.message());
        return EXIT_INTERRUPTED;
      }
      case TIMEOUT -> {
        err.printf("timed out at node %s (%s) after %.3f s%n", result.failedNodeId(), result.failedClassType(), seconds);
        return EXIT_FAILED;
      }
      default -> {
        err.printf("failed at node %s (%s): %s%n", result.failedNodeId(), result.failedClassType(), result.message());
        return EXIT_FAILED;
      }
    }
  }

  /** The CPU path never names a gpu class that loads JCuda: CudaBackend.open is reached only for auto and cuda. */
  private Backend chooseBackend() {
    return switch (backend) {
      case cpu -> cpuBackend();
      case cuda -> CudaBackend.open(device);
      case auto -> {
        try {
          yield CudaBackend.open(device);
        } catch (GpuUnavailableException e) {
          log.warn("no usable GPU ({}); running on the CPU", e.getMessage());
          yield cpuBackend();
        }
      }
    };
  }

  private Backend cpuBackend() {
    return threads == null ? new CpuBackend() : new CpuBackend(threads);
  }

  private JsonNode readInputs(ObjectMapper mapper) throws IOException, WorkflowParseException {
    String text = inputs.startsWith("@") ? Files.readString(Path.of(inputs.substring(1))) : inputs;
    try {
      return mapper.readTree(text);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new WorkflowParseException(ValidationFailure.of("invalid_inputs", "Run inputs are not valid JSON",
          e.getOriginalMessage()));
    }
  }

  private Path defaultInputDir() {
    Path parent = workflowFile.toAbsolutePath().getParent();
    Path beside = parent == null ? null : parent.resolve("input");
    return beside != null && Files.isDirectory(beside) ? beside : Path.of("input").toAbsolutePath();
  }

  private int invalid(ObjectMapper mapper, ValidationFailure failure) throws IOException {
    err.println("gpu-agent run: the workflow is invalid: " + failure.summary());
    out.println(mapper.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(failure.toJson(mapper)));
    return EXIT_INVALID;
  }
}

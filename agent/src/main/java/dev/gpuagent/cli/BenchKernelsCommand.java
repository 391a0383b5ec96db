package dev.gpuagent.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gpuagent.bench.BenchReport;
import dev.gpuagent.bench.KernelBench;
import dev.gpuagent.gpu.CudaBackend;
import dev.gpuagent.gpu.GpuUnavailableException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gpu-agent bench kernels}: the CUDA kernels' bandwidth and time per node. */
@Command(name = "kernels", mixinStandardHelpOptions = true,
    description = {"Per node at 4096x4096 (batch 1 and 4): kernel time, achieved GB/s and its ratio to the",
        "device's measured device-to-device copy bandwidth (target >= 0.8 for element-wise and blend nodes);",
        "blur r1/10/31, sharpen and each scale method; the launch overhead of a tiny kernel. With --torch,",
        "the ratio to the times bench/torch_gpu_ops.py wrote for PyTorch on the same GPU (target > 1).",
        "Exits 3 when no usable GPU exists."})
final class BenchKernelsCommand implements Callable<Integer> {
  @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON.")
  Path json;

  @Option(names = "--torch", paramLabel = "FILE", description = "JSON written by bench/torch_gpu_ops.py, to compare with.")
  Path torch;

  @Option(names = "--device", defaultValue = "0", description = "CUDA device index (default: ${DEFAULT-VALUE}).")
  int device;

  @Option(names = "--side", defaultValue = "4096", description = "Image side (default: ${DEFAULT-VALUE}).")
  int side;

  @Option(names = "--batches", split = ",", defaultValue = "1,4", description = "Batch sizes (default: ${DEFAULT-VALUE}).")
  int[] batches;

  @Option(names = "--seconds", defaultValue = "1", description = "Seconds of timing per case at most (default: ${DEFAULT-VALUE}).")
  double seconds;

  @Override
  public Integer call() throws Exception {
    CudaBackend backend;
    try {
      backend = CudaBackend.open(device);
    } catch (GpuUnavailableException e) {
      System.err.println("gpu-agent bench kernels: no usable GPU: " + e.getMessage());
      return 3;
    } catch (LinkageError e) {
      System.err.println("gpu-agent bench kernels: no usable GPU: the CUDA driver library cannot be loaded ("
          + e.getMessage() + ")");
      return 3;
    }
    try (backend) {
      BenchReport report = new BenchReport("kernels");
      report.summary("device", backend.description());
      report.summary("side", side);
      Map<String, Double> millis = new KernelBench(backend, side, seconds).run(report, batches);
      if (torch != null) {
        JsonNode theirs = new ObjectMapper().readTree(torch.toFile()).path("kernel_ms");
        report.summary("torch_device", new ObjectMapper().readTree(torch.toFile()).path("device").asText());
        for (Map<String, Object> row : report.rows()) {
          Object label = row.get("case");
          if (label instanceof String l && millis.containsKey(l) && theirs.has(l)) {
            double ms = theirs.get(l).asDouble();
            row.put("torch_ms", ms);
            row.put("speedup_vs_torch", ms / millis.get(l));
          }
        }
      }
      report.print(System.out);
      if (json != null) {
        report.writeJson(json);
        System.out.println("wrote " + json);
      }
    }
    return 0;
  }
}

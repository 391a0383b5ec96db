package dev.gpuagent.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gpuagent.bench.BenchReport;
import dev.gpuagent.bench.EngineBench;
import dev.gpuagent.cpu.CpuBackend;
import dev.gpuagent.ops.NodeRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gpu-agent bench engine}: engine overhead per node and CPU op throughput. */
@Command(name = "engine", mixinStandardHelpOptions = true,
    description = {"Engine overhead per node on a 1,000-node chain (target <= 20 us), and CPU throughput",
        "(megapixels/s) of blur, sharpen, blend, scale and invert. With --torch, the ratio to the figures",
        "that bench/torch_cpu_ops.py wrote for PyTorch on the same machine (target > 1)."})
final class BenchEngineCommand implements Callable<Integer> {
  @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON.")
  Path json;

  @Option(names = "--torch", paramLabel = "FILE", description = "JSON written by bench/torch_cpu_ops.py, to compare with.")
  Path torch;

  @Option(names = "--sides", split = ",", defaultValue = "1024,4096", description = "Image sides to time (default: ${DEFAULT-VALUE}).")
  int[] sides;

  @Option(names = "--chain", defaultValue = "1000", description = "Nodes in the chain (default: ${DEFAULT-VALUE}).")
  int chain;

  @Option(names = "--runs", defaultValue = "300", description = "Timed runs of the chain (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--seconds", defaultValue = "2", description = "Seconds per op case at most (default: ${DEFAULT-VALUE}).")
  double seconds;

  @Option(names = "--threads", description = "CPU backend threads (default: all cores).")
  Integer threads;

  @Option(names = "--skip-ops", description = "Only the engine overhead.")
  boolean skipOps;

  @Override
  public Integer call() throws Exception {
    try (CpuBackend cpu = threads == null ? new CpuBackend() : new CpuBackend(threads)) {
      EngineBench bench = new EngineBench(cpu, NodeRegistry.standard(), chain);
      BenchReport report = new BenchReport("engine");
      double overhead = bench.chainOverhead(report, runs);
      report.summary("engine_overhead_us_per_node", overhead);
      report.summary("engine_overhead_target_us", 20.0);
      report.summary("cpu_threads", cpu.parallel().threads());
      if (!skipOps) {
        Map<String, Double> mps = bench.ops(report, EngineBench.standardOps(sides), seconds);
        if (torch != null) {
          JsonNode theirs = new ObjectMapper().readTree(torch.toFile()).path("mpix_per_s");
          for (Map<String, Object> row : report.rows()) {
            Object label = row.get("case");
            if (mps.containsKey(label) && theirs.has((String) label)) {
              double ratio = mps.get(label) / theirs.get((String) label).asDouble();
              row.put("torch_mpix_per_s", theirs.get((String) label).asDouble());
              row.put("vs_torch", ratio);
            }
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

  static List<String> labels(int... sides) {
    return EngineBench.standardOps(sides).stream().map(EngineBench.OpCase::label).toList();
  }
}

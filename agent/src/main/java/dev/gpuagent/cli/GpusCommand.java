package dev.gpuagent.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpuagent.gpu.CudaAvailability;
import dev.gpuagent.gpu.CudaProbe;
import dev.gpuagent.gpu.DeviceInfo;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gpu-agent gpus}: the CUDA devices this process can use, or why it can use none. Exits 0
 * either way: seeing no GPU is an answer, not a failure.
 */
@Command(name = "gpus", mixinStandardHelpOptions = true,
    description = "List the CUDA devices gpu-agent sees (index, name, type, compute capability, memory, UUID,"
        + " PCI bus id), or say why it sees none.")
final class GpusCommand implements Callable<Integer> {
  @Option(names = "--json", description = "Print JSON instead of a table.")
  boolean json;

  private final PrintStream out = System.out;

  @Override
  public Integer call() throws Exception {
    CudaAvailability availability = CudaProbe.availability();
    if (json) {
      ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      out.println(mapper.writeValueAsString(toJson(mapper, availability)));
    } else {
      printTable(availability);
    }
    return 0;
  }

  static ObjectNode toJson(ObjectMapper mapper, CudaAvailability availability) {
    ObjectNode root = mapper.createObjectNode();
    root.put("available", availability.available());
    if (!availability.available()) {
      root.put("reason", availability.reason());
    }
    if (availability.driverVersion() > 0) {
      root.put("driver_version", availability.driverVersion());
      root.put("cuda_version", availability.driverVersionText());
    }
    ArrayNode devices = root.putArray("devices");
    for (DeviceInfo d : availability.devices()) {
      ObjectNode node = devices.addObject();
      node.put("index", d.index());
      node.put("name", d.name());
      node.put("type", d.type());
      node.put("compute_capability", d.computeCapability());
      node.put("memory_bytes", d.totalMemory());
      node.put("uuid", d.uuid());
      node.put("pci_bus_id", d.pciBusId());
      node.put("supported", d.supported());
    }
    return root;
  }

  private void printTable(CudaAvailability availability) {
    if (availability.driverVersion() > 0) {
      out.println("NVIDIA driver: CUDA " + availability.driverVersionText() + " (" + availability.driverVersion() + ")");
    }
    if (!availability.devices().isEmpty()) {
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"INDEX", "NAME", "TYPE", "CC", "MEMORY", "UUID", "PCI BUS ID", "USABLE"});
      for (DeviceInfo d : availability.devices()) {
        rows.add(new String[] {String.valueOf(d.index()), d.name(), d.type(), d.computeCapability(),
            String.format(Locale.ROOT, "%.1f GiB", d.totalMemory() / (double) (1L << 30)), d.uuid(), d.pciBusId(),
            availability.available() && d.supported() ? "yes" : "no"});
      }
      int[] widths = new int[rows.get(0).length];
      for (String[] row : rows) {
        for (int i = 0; i < row.length; i++) {
          widths[i] = Math.max(widths[i], row[i].length());
        }
      }
      for (String[] row : rows) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < row.length; i++) {
          line.append(i == row.length - 1 ? row[i] : String.format("%-" + (widths[i] + 2) + "s", row[i]));
        }
        out.println(line.toString().stripTrailing());
      }
    }
    if (!availability.available()) {
      out.println("No usable GPU: " + availability.reason());
    } else {
      availability.devices().stream().filter(d -> !d.supported())
          .forEach(d -> out.println("Not usable: " + d.unsupportedReason()));
    }
  }
}

package dev.gpuagent.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.gpuagent.ops.NodeRegistry;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code gpu-agent nodes}: every node schema as JSON, in the shape of ComfyUI's /object_info. */
@Command(name = "nodes", mixinStandardHelpOptions = true,
    description = "Print every node's schema as JSON (the shape of ComfyUI's /object_info).")
final class NodesCommand implements Callable<Integer> {
  @Override
  public Integer call() throws Exception {
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    System.out.println(mapper.writeValueAsString(NodeRegistry.standard().objectInfo(mapper)));
    return 0;
  }
}

package dev.gpuagent.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gpuagent.engine.BackendKind;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every node of the library has a CUDA implementation (checked without a GPU). */
class CudaImplementationsTest {
  @Test
  void everyNodeHasACudaImplementation() {
    List<String> missing = NodeRegistry.standard().definitions().stream()
        .filter(d -> d.implementation(BackendKind.CUDA).isEmpty())
        .map(d -> d.schema().classType())
        .toList();
    assertEquals(List.of(), missing, "nodes without a CUDA implementation");
  }
}

package dev.gpuagent.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gpuagent.engine.BackendKind;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeRegistryTest {
  /** Every node DESIGN section 5 names. */
  static final List<String> DESIGN_NODES = List.of("LoadImage", "SaveImage", "PreviewImage", "EmptyImage",
      "ImageInvert", "ImageScale", "ImageScaleBy", "ImageBlur", "ImageSharpen", "ImageBlend",
      "ImageCompositeMasked", "ImageCrop", "ImagePadForOutpaint", "SolidMask", "InvertMask", "ThresholdMask",
      "MaskToImage", "ImageToMask", "ComfyUIDeployExternalText", "ComfyUIDeployExternalNumber",
      "ComfyUIDeployExternalNumberInt", "ComfyUIDeployExternalBoolean", "ComfyUIDeployExternalImage",
      "ImageAnisotropicDiffusion");

  private final NodeRegistry registry = NodeRegistry.standard();

  @Test
  void everyDesignNodeIsRegisteredWithACpuImplementation() {
    for (String type : DESIGN_NODES) {
      assertTrue(registry.implementation(type, BackendKind.CPU).isPresent(), type);
    }
  }

  @Test
  void outputNodesAreTheSaveAndPreviewNodes() {
    List<String> outputs = registry.definitions().stream().filter(d -> d.schema().outputNode())
        .map(d -> d.schema().classType()).sorted().toList();
    assertEquals(List.of("PreviewImage", "SaveImage"), outputs);
  }

  @Test
  void theStepBasedNodeIsMarked() {
    assertTrue(registry.schema("ImageAnisotropicDiffusion").orElseThrow().stepBased());
  }

  @Test
  void objectInfoHasComfyUIShape() {
    ObjectMapper mapper = new ObjectMapper();
    JsonNode info = registry.objectInfo(mapper);
    JsonNode blur = info.get("ImageBlur");
    assertEquals("IMAGE", blur.at("/input/required/image/0").asText());
    assertEquals("INT", blur.at("/input/required/blur_radius/0").asText());
    assertEquals(1, blur.at("/input/required/blur_radius/1/min").asInt());
    assertEquals(31, blur.at("/input/required/blur_radius/1/max").asInt());
    assertEquals("IMAGE", blur.at("/output/0").asText());
    assertEquals(false, blur.at("/output_node").asBoolean());
    JsonNode scale = info.get("ImageScale");
    assertEquals("nearest-exact", scale.at("/input/required/upscale_method/0/0").asText());
    assertEquals(DESIGN_NODES.size(), info.size());
  }

  @Test
  void registeringTheSameClassTwiceIsRefused() {
    NodeRegistry r = new NodeRegistry();
    NodeDefinition def = registry.definition("ImageInvert").orElseThrow();
    r.register(def);
    assertThrows(IllegalStateException.class, () -> r.register(def));
  }
}

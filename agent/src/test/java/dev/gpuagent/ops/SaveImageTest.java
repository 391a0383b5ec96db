package dev.gpuagent.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpuagent.cpu.CpuTensor;
import dev.gpuagent.engine.DirectoryOutputSink;
import dev.gpuagent.engine.InputResolver;
import dev.gpuagent.engine.NodeException;
import dev.gpuagent.engine.OutputFile;
import dev.gpuagent.engine.OutputSink;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Node;

class SaveImageTest {
  @TempDir Path base;

  /** A sink that records what it was given. */
  private static final class RecordingSink implements OutputSink {
    final List<String> prefixes = new ArrayList<>();
    final List<String> types = new ArrayList<>();
    final List<byte[]> files = new ArrayList<>();

    @Override
    public synchronized OutputFile store(String prefix, String extension, String type, byte[] data) {
      prefixes.add(prefix);
      types.add(type);
      files.add(data);
      return new OutputFile(prefix + "_" + files.size() + "." + extension, "", type, null);
    }
  }

  private static ObjectNode workflow() throws IOException {
    return (ObjectNode) new ObjectMapper().readTree(
        "{\"1\":{\"class_type\":\"EmptyImage\",\"inputs\":{\"width\":4,\"note\":\"caf\u00e9\"}},"
            + "\"2\":{\"class_type\":\"SaveImage\",\"inputs\":{\"images\":[\"1\",0]}}}");
  }

  @Test
  void savesEachImageOfTheBatchAsAPngWithThePrompt() throws IOException {
    CpuTensor images = NodeHarness.tensor(2, 1, 2, 3,
        0.999f, 1.2f, -0.1f, 0.5f, 0f, 1f,
        0.2f, 0.4f, 0.6f, 0.8f, 1f, 0.0039f);
    RecordingSink sink = new RecordingSink();
    Object[] out = ImageNodeRuns.run("SaveImage", sink, InputResolver.none(), null, workflow(),
        "images", images, "filename_prefix", "run/img_%batch_num%");
    assertEquals(0, out.length);
    assertEquals(List.of("run/img_0", "run/img_1"), sink.prefixes);
    assertEquals(List.of("output", "output"), sink.types);
    Raster first = ImageIO.read(new ByteArrayInputStream(sink.files.get(0))).getRaster();
    assertEquals(254, first.getSample(0, 0, 0)); // 0.999 -> 254.745 -> 254
    assertEquals(255, first.getSample(0, 0, 1)); // 1.2 clipped
    assertEquals(0, first.getSample(0, 0, 2)); // -0.1 clipped
    assertEquals(127, first.getSample(1, 0, 0)); // 127.5 truncated
    Raster second = ImageIO.read(new ByteArrayInputStream(sink.files.get(1))).getRaster();
    assertEquals(51, second.getSample(0, 0, 0));
    assertEquals(0, second.getSample(1, 0, 2)); // 0.0039 -> 0.99 -> 0
    String prompt = promptText(sink.files.get(0));
    assertEquals(workflow(), new ObjectMapper().readTree(prompt));
    assertTrue(prompt.startsWith("{\"1\": {\"class_type\": \"EmptyImage\", \"inputs\": {\"width\": 4"), prompt);
    assertTrue(prompt.contains("caf\\u00"), "non-ASCII escaped as json.dumps does: " + prompt);
  }

  @Test
  void writesNumberedFilesIntoTheOutputFolder() throws IOException {
    DirectoryOutputSink sink = new DirectoryOutputSink(base.resolve("output"));
    Files.createDirectories(base.resolve("output"));
    Files.createFile(base.resolve("output/ComfyUI_00005_.png"));
    CpuTensor images = NodeHarness.random(3, 1, 2, 3, 4);
    ImageNodeRuns.run("SaveImage", sink, InputResolver.none(), null, null, "images", images);
    ImageNodeRuns.run("SaveImage", sink, InputResolver.none(), null, null, "images", images, "filename_prefix", "ComfyUI");
    assertTrue(Files.exists(base.resolve("output/ComfyUI_00006_.png")));
    assertTrue(Files.exists(base.resolve("output/ComfyUI_00007_.png")));
    assertEquals(4, ImageIO.read(base.resolve("output/ComfyUI_00006_.png").toFile()).getRaster().getNumBands());
  }

  @Test
  void previewGoesToTempWithARandomPrefix() {
    RecordingSink sink = new RecordingSink();
    ImageNodeRuns.run("PreviewImage", sink, InputResolver.none(), null, null,
        "images", NodeHarness.random(1, 3, 2, 2, 3));
    assertEquals(List.of("temp", "temp", "temp"), sink.types);
    String prefix = sink.prefixes.get(0);
    assertTrue(prefix.matches("ComfyUI_temp_[a-z]{5}"), prefix);
    assertEquals(List.of(prefix, prefix, prefix), sink.prefixes);
  }

  @Test
  void prefixThatLeavesTheFolderFailsTheNode() {
    DirectoryOutputSink sink = new DirectoryOutputSink(base.resolve("output"));
    NodeException e = assertThrows(NodeException.class, () -> ImageNodeRuns.run("SaveImage", sink,
        InputResolver.none(), null, null, "images", NodeHarness.random(1, 1, 2, 2, 3), "filename_prefix", "../x"));
    assertTrue(e.getMessage().contains("'../x'"), e.getMessage());
  }

  @Test
  void computeVarsReplacesSizeAndDate() {
    LocalDateTime t = LocalDateTime.of(2024, 3, 7, 9, 5, 2);
    assertEquals("img_640x480_2024-03-07_09.05.02",
        ImageNodes.computeVars("img_%width%x%height%_%year%-%month%-%day%_%hour%.%minute%.%second%", 640, 480, t));
    assertEquals("plain", ImageNodes.computeVars("plain", 1, 1, t));
  }

  @Test
  void batchNumberIsReplacedInTheFileNameOnly() {
    assertEquals("a_%batch_num%/b_3", ImageNodes.withBatchNumber("a_%batch_num%/b_%batch_num%", 3));
    assertEquals("x", ImageNodes.withBatchNumber("x", 0));
  }

  @Test
  void schemaMatchesComfyUi() {
    var schema = NodeHarness.REGISTRY.schema("SaveImage").orElseThrow();
    assertTrue(schema.outputNode());
    assertEquals(List.of(), schema.outputTypes());
    assertEquals("ComfyUI", schema.input("filename_prefix").orElseThrow().defaultValue());
    assertTrue(NodeHarness.REGISTRY.schema("PreviewImage").orElseThrow().outputNode());
  }

  static String promptText(byte[] png) throws IOException {
    ImageReader reader = ImageIO.getImageReadersByFormatName("png").next();
    try (var in = new MemoryCacheImageInputStream(new ByteArrayInputStream(png))) {
      reader.setInput(in);
      Node root = reader.getImageMetadata(0).getAsTree("javax_imageio_png_1.0");
      for (Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
        if (n.getNodeName().equals("tEXt")) {
          for (Node e = n.getFirstChild(); e != null; e = e.getNextSibling()) {
            if (e.getAttributes().getNamedItem("keyword").getNodeValue().equals("prompt")) {
              return e.getAttributes().getNamedItem("value").getNodeValue();
            }
          }
        }
      }
      throw new AssertionError("no tEXt prompt chunk");
    } finally {
      reader.dispose();
    }
  }
}

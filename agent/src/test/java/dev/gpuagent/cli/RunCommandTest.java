package dev.gpuagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void successWritesThePngsAndPrintsWhereTheyAre() throws Exception {
    Path wf = CliProcess.write(dir, "wf.json", """
        {"1": {"class_type": "EmptyImage", "inputs": {"width": 6, "height": 4, "batch_size": 2, "color": 16711680}},
         "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}},
         "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "inv"}}}""");
    var result = CliProcess.run(dir, "run", wf.toString(), "--output-dir", "out");
    assertEquals(0, result.exitCode(), result.stderr());
    Path first = dir.resolve("out/inv_00001_.png");
    assertTrue(result.stdout().contains(first.toString()), result.stdout());
    assertTrue(result.stdout().contains("success in"), result.stdout());
    // Plain progress lines when stdout is not a terminal.
    assertTrue(result.stdout().contains("[2/3] ImageInvert (node 2)"), result.stdout());
    var image = ImageIO.read(first.toFile());
    assertEquals(6, image.getWidth());
    assertEquals(0x00FFFF, image.getRGB(0, 0) & 0xFFFFFF, "inverted red is cyan");
    assertTrue(Files.exists(dir.resolve("out/inv_00002_.png")), "one file per batch image");
  }

  @Test
  void anInvalidWorkflowExitsTwoWithComfyUIErrorJson() throws Exception {
    Path wf = CliProcess.write(dir, "wf.json", """
        {"1": {"class_type": "EmptyImage", "inputs": {"width": 0, "height": 4, "batch_size": 1, "color": 0}},
         "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "x"}}}""");
    var result = CliProcess.run(dir, "run", wf.toString());
    assertEquals(2, result.exitCode());
    JsonNode body = JSON.readTree(result.stdout());
    assertEquals("prompt_outputs_failed_validation", body.at("/error/type").asText());
    assertEquals("value_smaller_than_min", body.at("/node_errors/1/errors/0/type").asText());
    assertEquals("2", body.at("/node_errors/1/dependent_outputs/0").asText());
  }

  @Test
  void malformedJsonExitsTwo() throws Exception {
    Path wf = CliProcess.write(dir, "wf.json", "{\"1\": {\"class_type\": ");
    var result = CliProcess.run(dir, "run", wf.toString());
    assertEquals(2, result.exitCode());
    assertEquals("invalid_prompt", JSON.readTree(result.stdout()).at("/error/type").asText());
  }

  @Test
  void badRunInputsExitTwoNamingTheKey() throws Exception {
    var result = CliProcess.run(dir, "run", CliProcess.sample("deploy_inputs.json").toString(),
        "--inputs", "{\"blur_radius\": \"nine\"}", "--output-dir", "out");
    assertEquals(2, result.exitCode(), result.stderr());
    JsonNode body = JSON.readTree(result.stdout());
    assertEquals("invalid_input_type", body.at("/error/type").asText(), result.stdout());
    assertTrue(body.toString().contains("blur_radius"), result.stdout());
  }

  @Test
  void aFailingNodeExitsOneNamingTheNode() throws Exception {
    Path wf = CliProcess.write(dir, "wf.json", """
        {"1": {"class_type": "LoadImage", "inputs": {"image": "missing.png"}},
         "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "x"}}}""");
    var result = CliProcess.run(dir, "run", wf.toString(), "--input-dir", dir.toString());
    assertEquals(1, result.exitCode());
    assertTrue(result.stderr().contains("failed at node 1 (LoadImage)"), result.stderr());
    assertTrue(result.stderr().contains("missing.png"), result.stderr());
  }

  @Test
  void aTimeoutExitsOne() throws Exception {
    var result = CliProcess.run(dir, "run", CliProcess.sample("diffusion_long.json").toString(),
        "--timeout", "0.5", "--output-dir", "out");
    assertEquals(1, result.exitCode(), result.stderr());
    assertTrue(result.stderr().contains("timed out at node 4 (ImageAnisotropicDiffusion)"), result.stderr());
  }

  @Test
  void ctrlCCancelsTheRunAndExits130() throws Exception {
    Process process = CliProcess.start(dir, "run", CliProcess.sample("diffusion_long.json").toString(),
        "--output-dir", "out");
    process.getOutputStream().close();
    var stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = stdout.readLine()) != null && !line.contains("ImageAnisotropicDiffusion")) {
      // wait until the step-based node has started
    }
    assertTrue(line != null, "the diffusion node started");
    Thread.sleep(200);
    new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor();
    assertTrue(process.waitFor(20, TimeUnit.SECONDS), "exited after SIGINT");
    assertEquals(130, process.exitValue());
    String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(err.contains("interrupted"), err);
    assertTrue(!Files.exists(dir.resolve("out/diffused_00001_.png")), "nothing saved after cancel");
  }

  @Test
  void nodesPrintsEverySchema() throws Exception {
    var result = CliProcess.run(dir, "nodes");
    assertEquals(0, result.exitCode(), result.stderr());
    JsonNode nodes = JSON.readTree(result.stdout());
    assertEquals("IMAGE", nodes.at("/ImageBlur/output/0").asText());
    assertEquals(true, nodes.at("/SaveImage/output_node").asBoolean());
    assertEquals(true, nodes.at("/ImageAnisotropicDiffusion/step_based").asBoolean());
  }
}

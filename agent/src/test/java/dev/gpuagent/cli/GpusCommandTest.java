package dev.gpuagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gpuagent.gpu.CudaAvailability;
import dev.gpuagent.gpu.DeviceInfo;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GpusCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void jsonSaysWhetherAGpuIsUsableAndExitsZero() throws Exception {
    var result = CliProcess.run(dir, "gpus", "--json");
    assertEquals(0, result.exitCode(), result.stderr());
    JsonNode body = JSON.readTree(result.stdout());
    assertTrue(body.get("available").isBoolean(), result.stdout());
    assertTrue(body.get("devices").isArray(), result.stdout());
    if (!body.get("available").asBoolean()) {
      assertFalse(body.get("reason").asText().isBlank(), result.stdout());
    }
  }

  @Test
  void tableSaysWhyNoGpuIsUsableAndExitsZero() throws Exception {
    var result = CliProcess.run(dir, "gpus");
    assertEquals(0, result.exitCode(), result.stderr());
    JsonNode body = JSON.readTree(CliProcess.run(dir, "gpus", "--json").stdout());
    if (body.get("available").asBoolean()) {
      assertTrue(result.stdout().contains("INDEX"), result.stdout());
    } else {
      assertTrue(result.stdout().contains("No usable GPU: " + body.get("reason").asText()), result.stdout());
    }
  }

  @Test
  void unavailableJsonHasTheReasonAndNoDevices() {
    JsonNode json = GpusCommand.toJson(JSON, new CudaAvailability(false, "no NVIDIA driver found", 0, List.of()));
    assertEquals("{\"available\":false,\"reason\":\"no NVIDIA driver found\",\"devices\":[]}", json.toString());
  }

  @Test
  void deviceJsonCarriesTypeCapabilityMemoryUuidAndBusId() {
    DeviceInfo l4 = new DeviceInfo(0, "NVIDIA L4", 8, 9, 23_580_753_920L,
        "GPU-2f1e6c3a-0b9d-4c1e-8f00-123456789abc", "0000:00:03.0");
    JsonNode json = GpusCommand.toJson(JSON, new CudaAvailability(true, null, 13000, List.of(l4)));
    assertTrue(json.get("available").asBoolean());
    assertFalse(json.has("reason"));
    assertEquals(13000, json.get("driver_version").asInt());
    assertEquals("13.0", json.get("cuda_version").asText());
    JsonNode d = json.at("/devices/0");
    assertEquals(0, d.get("index").asInt());
    assertEquals("NVIDIA L4", d.get("name").asText());
    assertEquals("L4", d.get("type").asText());
    assertEquals("8.9", d.get("compute_capability").asText());
    assertEquals(23_580_753_920L, d.get("memory_bytes").asLong());
    assertEquals("GPU-2f1e6c3a-0b9d-4c1e-8f00-123456789abc", d.get("uuid").asText());
    assertEquals("0000:00:03.0", d.get("pci_bus_id").asText());
    assertTrue(d.get("supported").asBoolean());
  }
}

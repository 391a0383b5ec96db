package dev.gpuagent.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gpuagent.cpu.CpuTensor;
import dev.gpuagent.engine.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

/**
 * Golden files made by agent/src/test/python/golden_scale.py (torch 1.13 and Pillow): JSON with
 * tensors as {@code {"shape": [B,H,W,C], "f32le": base64 of little-endian float32}}.
 */
public final class Golden {
  private Golden() {}

  public static JsonNode load(String name) {
    try (InputStream in = Golden.class.getResourceAsStream("/golden/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource golden/" + name);
      }
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static CpuTensor tensor(JsonNode node) {
    JsonNode s = node.get("shape");
    Shape shape = new Shape(s.get(0).asInt(), s.get(1).asInt(), s.get(2).asInt(), s.get(3).asInt());
    byte[] raw = Base64.getDecoder().decode(node.get("f32le").asText());
    float[] data = new float[raw.length / 4];
    ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
    return new CpuTensor(shape, data);
  }
}

package dev.gpuagent.workflow;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import dev.gpuagent.ops.NodeRegistry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Bounded fuzzing of the parser and validator: mutated workflows (byte-level and structural) must
 * always end in a parse error or a validation result, never in another exception or a hang. The
 * time budget is {@code -Dgpuagent.fuzz.seconds} (default 3); the seed is printed so a failure can
 * be replayed with {@code -Dgpuagent.fuzz.seed}.
 */
class WorkflowFuzzTest {
  private static final List<String> SEEDS = List.of(
      """
      {"1": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 32, "batch_size": 1, "color": 255}},
       "2": {"class_type": "ImageBlur", "inputs": {"image": ["1", 0], "blur_radius": 3, "sigma": 1.5}},
       "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "out"}, "_meta": {"title": "Save"}}}""",
      """
      {"prompt": {"5": {"class_type": "Empty", "inputs": {"width": 8, "height": 8}},
                  "6": {"class_type": "Scale", "inputs": {"image": ["5", 0], "method": "bilinear", "enabled": true}},
                  "7": {"class_type": "Save", "inputs": {"images": ["6", 0], "filename_prefix": "p"}}}}""",
      """
      {"a": {"class_type": "ComfyUIDeployExternalText", "inputs": {"input_id": "prompt", "default_value": "hi"}},
       "b": {"class_type": "Text", "inputs": {"value": ["a", 0]}},
       "c": {"class_type": "Save", "inputs": {"images": ["b", 0], "filename_prefix": ["a", 0]}}}""");

  private static final String[] TOKENS = {"{", "}", "[", "]", ",", ":", "\"", "null", "true", "-1",
      "1e309", "\"1\"", "[\"1\", 0]", "[\"2\", 99]", "\"class_type\"", "\"inputs\"", "{\"class_type\": \"SaveImage\"}",
      "9223372036854775808", "\"\\u0000\"", "[[[[[[[[[[[[[[[[[[[[", "0.5", "\"ImageBlur\""};

  private final SchemaLookup schemas = type -> {
    Optional<NodeSchema> known = NodeRegistry.standard().schema(type);
    return known.isPresent() ? known : TestSchemas.INSTANCE.schema(type);
  };

  @Test
  void mutatedWorkflowsNeverEscapeAsUnexpectedExceptions() {
    long seed = Long.getLong("gpuagent.fuzz.seed", System.nanoTime());
    double seconds = Double.parseDouble(System.getProperty("gpuagent.fuzz.seconds", "3"));
    SplittableRandom random = new SplittableRandom(seed);
    WorkflowParser parser = new WorkflowParser(new WorkflowLimits(64 << 10, 32, 500, 4096, 1 << 22, 8));
    Validator validator = new Validator(schemas, WorkflowLimits.DEFAULT);
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    int cases = 0;
    while (System.nanoTime() < deadline || cases < 500) {
      byte[] input = mutate(SEEDS.get(random.nextInt(SEEDS.size())).getBytes(StandardCharsets.UTF_8), random);
      cases++;
      try {
        Workflow workflow = parser.parse(input);
        assertNotNull(validator.validate(workflow));
      } catch (WorkflowParseException expected) {
        assertNotNull(expected.failure().error().type());
      } catch (RuntimeException | StackOverflowError e) {
        fail("seed " + seed + ", case " + cases + ": " + e + " on input: "
            + new String(input, StandardCharsets.UTF_8), e);
      }
    }
    System.out.println("WorkflowFuzzTest: " + cases + " mutated workflows, seed " + seed);
  }

  private static byte[] mutate(byte[] seed, SplittableRandom random) {
    byte[] data = seed;
    int rounds = 1 + random.nextInt(6);
    for (int r = 0; r < rounds; r++) {
      int pos = data.length == 0 ? 0 : random.nextInt(data.length);
      switch (random.nextInt(5)) {
        case 0 -> { // flip a byte
          if (data.length > 0) {
            data = data.clone();
            data[pos] = (byte) random.nextInt(256);
          }
        }
        case 1 -> { // delete a range
          int len = Math.min(data.length - pos, 1 + random.nextInt(12));
          byte[] out = new byte[data.length - len];
          System.arraycopy(data, 0, out, 0, pos);
          System.arraycopy(data, pos + len, out, pos, data.length - pos - len);
          data = out;
        }
        case 2, 3 -> data = insert(data, pos, TOKENS[random.nextInt(TOKENS.length)].getBytes(StandardCharsets.UTF_8));
        default -> { // duplicate a range
          int len = Math.min(data.length - pos, 1 + random.nextInt(40));
          byte[] piece = new byte[len];
          System.arraycopy(data, pos, piece, 0, len);
          data = insert(data, pos, piece);
        }
      }
    }
    return data;
  }

  private static byte[] insert(byte[] data, int pos, byte[] piece) {
    byte[] out = new byte[data.length + piece.length];
    System.arraycopy(data, 0, out, 0, pos);
    System.arraycopy(piece, 0, out, pos, piece.length);
    System.arraycopy(data, pos, out, pos + piece.length, data.length - pos);
    return out;
  }
}

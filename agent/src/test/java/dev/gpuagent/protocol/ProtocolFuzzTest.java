package dev.gpuagent.protocol;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Bounded fuzzing of the codec: random mutations of the documented examples and the samples must
 * decode to a message or fail with a {@link ProtocolException}, never anything else. The budget is
 * {@code -Dgpuagent.fuzz.seconds} (default 2); the seed is printed and can be replayed with
 * {@code -Dgpuagent.fuzz.seed}.
 */
class ProtocolFuzzTest {
  private static final String[] TOKENS = {"{", "}", "[", "]", ",", ":", "\"", "null", "true", "false", "-1", "0",
      "1e309", "-0.0", "9223372036854775808", "1.5", "\"\"", "\"\\u0000\"", "\"type\"", "\"lease\"", "\"hello\"",
      "\"run_finished\"", "\"fencing_token\"", "{\"type\":\"progress\"}", "[[[[[[[[[[[[[[[[", "\"\\ud800\"",
      "\"gpu\"", "\"slots\"", "{}", "[]"};

  @Test
  void mutatedFramesNeverEscapeAsUnexpectedExceptions() {
    long seed = Long.getLong("gpuagent.fuzz.seed", System.nanoTime());
    double seconds = Double.parseDouble(System.getProperty("gpuagent.fuzz.seconds", "2"));
    SplittableRandom random = new SplittableRandom(seed);
    ProtocolCodec codec = new ProtocolCodec(64 << 10);
    List<String> seeds = seeds(new ProtocolCodec());
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    int cases = 0;
    int decoded = 0;
    while (System.nanoTime() < deadline || cases < 500) {
      byte[] input = mutate(seeds.get(random.nextInt(seeds.size())).getBytes(StandardCharsets.UTF_8), random);
      cases++;
      boolean asBytes = random.nextBoolean();
      String text = new String(input, StandardCharsets.UTF_8);
      for (boolean worker : new boolean[] {true, false}) {
        try {
          ProtocolMessage message = worker
              ? (asBytes ? codec.decodeWorkerMessage(input) : codec.decodeWorkerMessage(text))
              : (asBytes ? codec.decodeServerMessage(input) : codec.decodeServerMessage(text));
          assertNotNull(message.type());
          codec.encode(message); // whatever decodes must encode again
          decoded++;
        } catch (ProtocolException expected) {
          assertNotNull(expected.reason());
          assertNotNull(expected.getMessage());
        } catch (RuntimeException | StackOverflowError e) {
          fail("seed " + seed + ", case " + cases + ": " + e + " on input: " + text, e);
        }
      }
    }
    System.out.println("ProtocolFuzzTest: " + cases + " mutated frames (" + decoded + " decodes), seed " + seed);
  }

  private static List<String> seeds(ProtocolCodec codec) {
    List<String> seeds = new ArrayList<>();
    DocExamples.all().forEach(example -> seeds.add(example.json()));
    Samples.worker().forEach(message -> seeds.add(codec.encode(message)));
    Samples.server().forEach(message -> seeds.add(codec.encode(message)));
    return seeds;
  }

  private static byte[] mutate(byte[] seed, SplittableRandom random) {
    byte[] data = seed;
    int rounds = 1 + random.nextInt(5);
    for (int r = 0; r < rounds; r++) {
      int pos = data.length == 0 ? 0 : random.nextInt(data.length);
      switch (random.nextInt(6)) {
        case 0 -> { // replace a byte
          if (data.length > 0) {
            data = data.clone();
            data[pos] = (byte) random.nextInt(256);
          }
        }
        case 1 -> { // delete a range
          int len = Math.min(data.length - pos, 1 + random.nextInt(16));
          data = concat(slice(data, 0, pos), slice(data, pos + len, data.length));
        }
        case 2 -> // insert a JSON token
            data = concat(slice(data, 0, pos), TOKENS[random.nextInt(TOKENS.length)].getBytes(StandardCharsets.UTF_8),
                slice(data, pos, data.length));
        case 3 -> { // duplicate a range elsewhere
          int len = Math.min(data.length - pos, 1 + random.nextInt(40));
          int at = data.length == 0 ? 0 : random.nextInt(data.length);
          data = concat(slice(data, 0, at), slice(data, pos, pos + len), slice(data, at, data.length));
        }
        case 4 -> // truncate
            data = slice(data, 0, pos);
        default -> { // swap a digit or a quote-delimited word for another
          if (data.length > 0) {
            data = data.clone();
            byte b = data[pos];
            if (b >= '0' && b <= '9') {
              data[pos] = (byte) ('0' + random.nextInt(10));
            } else if (b == '"') {
              data[pos] = (byte) (random.nextBoolean() ? '\'' : ' ');
            } else {
              data[pos] = (byte) "ntf-.e{}[]\\".charAt(random.nextInt(11));
            }
          }
        }
      }
    }
    return data;
  }

  private static byte[] slice(byte[] data, int from, int to) {
    return java.util.Arrays.copyOfRange(data, Math.min(from, data.length), Math.max(Math.min(to, data.length), Math.min(from, data.length)));
  }

  private static byte[] concat(byte[]... parts) {
    int length = 0;
    for (byte[] part : parts) {
      length += part.length;
    }
    byte[] out = new byte[length];
    int at = 0;
    for (byte[] part : parts) {
      System.arraycopy(part, 0, out, at, part.length);
      at += part.length;
    }
    return out;
  }
}

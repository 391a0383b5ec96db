package dev.gpuagent.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * docs/protocol.md and the code must agree: every example block decodes as the type its fence names,
 * re-encodes to exactly the example's JSON (same fields, same order, nulls written), and every
 * message type of both directions has an example.
 */
class ProtocolDocExamplesTest {
  private final ProtocolCodec codec = new ProtocolCodec();
  private final ObjectMapper plain = new ObjectMapper();

  @Test
  void everyExampleDecodesAndReencodesToItself() throws Exception {
    List<DocExamples.Example> examples = DocExamples.all();
    assertTrue(examples.size() >= 16, "found only " + examples.size() + " examples in " + DocExamples.DOC);
    for (DocExamples.Example example : examples) {
      ProtocolMessage message;
      try {
        message = example.fromWorker()
            ? codec.decodeWorkerMessage(example.json())
            : codec.decodeServerMessage(example.json());
      } catch (ProtocolException e) {
        fail(example + " does not decode: " + e.getMessage());
        return;
      }
      assertEquals(example.type(), message.type(), example.toString());
      String compact = plain.writeValueAsString(plain.readTree(example.json()));
      assertEquals(compact, codec.encode(message), example + " is not exactly what the codec writes");
    }
  }

  @Test
  void everyMessageTypeHasAnExample() {
    List<DocExamples.Example> examples = DocExamples.all();
    assertEquals(new TreeSet<>(ProtocolCodec.workerTypes()), typesFrom(examples, true), "worker->server examples");
    assertEquals(new TreeSet<>(ProtocolCodec.serverTypes()), typesFrom(examples, false), "server->worker examples");
  }

  @Test
  void everyMessageTypeHasItsOwnSection() throws Exception {
    String doc = java.nio.file.Files.readString(DocExamples.DOC);
    for (String type : ProtocolCodec.workerTypes()) {
      assertTrue(doc.contains("\n### " + type + "\n"), "no section for " + type);
    }
    for (String type : ProtocolCodec.serverTypes()) {
      assertTrue(doc.contains("\n### " + type + "\n"), "no section for " + type);
    }
  }

  @Test
  void theDocumentedDefaultsAreTheCodes() throws Exception {
    String doc = java.nio.file.Files.readString(DocExamples.DOC);
    assertTrue(doc.contains("`GET " + Protocol.CONNECT_PATH + "`"));
    assertTrue(doc.contains("`" + Protocol.FENCING_TOKEN_HEADER + "`") || doc.contains(Protocol.FENCING_TOKEN_HEADER + ":"));
    assertTrue(doc.contains("| `heartbeat_interval_ms` | 10 000 |"));
    assertTrue(doc.contains("| `lease_ttl_ms` | 30 000 |"));
    assertTrue(doc.contains("| `progress_interval_ms` | " + Protocol.DEFAULT_PROGRESS_INTERVAL.toMillis() + " |"));
    assertTrue(doc.contains("| `max_attempts` | " + Protocol.DEFAULT_MAX_ATTEMPTS + " |"));
    assertTrue(doc.contains("| JSON nesting | " + Protocol.MAX_NESTING_DEPTH + " levels"));
    assertTrue(doc.contains("# Worker <-> server protocol (version " + Protocol.VERSION + ")"));
    assertEquals(10_000, Protocol.DEFAULT_HEARTBEAT_INTERVAL.toMillis());
    assertEquals(30_000, Protocol.DEFAULT_LEASE_TTL.toMillis());
    assertEquals(268_435_456L, Protocol.DEFAULT_MAX_UPLOAD_BYTES);
    assertEquals(16_777_216, Protocol.DEFAULT_MAX_FRAME_BYTES);
  }

  private static Set<String> typesFrom(List<DocExamples.Example> examples, boolean fromWorker) {
    return examples.stream().filter(e -> e.fromWorker() == fromWorker)
        .map(DocExamples.Example::type).collect(Collectors.toCollection(TreeSet::new));
  }
}

package dev.gpuagent.server.outputs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpuagent.protocol.OutputImage;
import dev.gpuagent.protocol.OutputSummary;
import dev.gpuagent.server.http.SignedUrls;
import dev.gpuagent.server.store.Run;
import dev.gpuagent.server.store.RunStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class OutputRecordsTest {
  private static final UUID RUN = UUID.fromString("8f14e45f-ceea-467f-a0e6-f9a8c2d1b3e7");
  private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_000_000), ZoneOffset.UTC);

  @Test
  void toRecordKeepsStoredFilesAndTextAndDropsEmptyNodes() {
    String record = OutputRecords.toRecord(RUN, List.of(
        new OutputSummary("3", "SaveImage", List.of(new OutputImage("a.png", "", "output"),
            new OutputImage("lost.png", "", "output")), List.of()),
        new OutputSummary("4", "PreviewImage", List.of(new OutputImage("lost2.png", "", "temp")), List.of()),
        new OutputSummary("5", "ShowText", List.of(), List.of("hi"))), Set.of("a.png"));
    assertEquals("[{\"data\":{\"images\":[{\"filename\":\"a.png\",\"subfolder\":\"\",\"type\":\"output\"}],\"text\":[]},"
        + "\"node_meta\":{\"node_id\":\"3\",\"class_type\":\"SaveImage\"}},"
        + "{\"data\":{\"images\":[],\"text\":[\"hi\"]},\"node_meta\":{\"node_id\":\"5\",\"class_type\":\"ShowText\"}}]",
        record);
  }

  @Test
  void renderSignsEveryImageAfreshAndNeverKeepsAStoredUrl() {
    SignedUrls signer = new SignedUrls(new byte[32], CLOCK);
    OutputRecords records = new OutputRecords(new OutputLinks(signer, () -> "https://gpu.example.com/", Duration.ofHours(1)));
    String stored = "[{\"data\":{\"images\":[{\"url\":\"https://evil.example/x\",\"filename\":\"a b.png\",\"subfolder\":\"s\","
        + "\"type\":\"output\"},{\"filename\":\"../x\",\"subfolder\":\"\",\"type\":\"output\"}],\"text\":[]},"
        + "\"node_meta\":{\"node_id\":\"3\",\"class_type\":\"SaveImage\"}}]";
    JsonNode rendered = (JsonNode) records.render(run(stored));
    JsonNode first = rendered.at("/0/data/images/0");
    String path = "/outputs/" + RUN + "/s/a%20b.png";
    assertEquals("https://gpu.example.com" + signer.sign("GET", path, Duration.ofHours(1)), first.get("url").asText());
    assertEquals(List.of("url", "filename", "subfolder", "type"), fieldNames(first));
    assertTrue(rendered.at("/0/data/images/1/url").isNull(), "a name no upload could have stored gets no link");
    assertEquals("SaveImage", rendered.at("/0/node_meta/class_type").asText());
  }

  @Test
  void renderOfNothingOrGarbageIsAnEmptyList() {
    OutputRecords records = new OutputRecords(new OutputLinks(new SignedUrls(new byte[32], CLOCK), () -> "http://h",
        Duration.ofMinutes(1)));
    assertEquals(List.of(), records.render(run(null)));
    assertEquals(List.of(), records.render(run("{not json")));
    assertEquals(List.of(), records.render(run("{}")));
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new java.util.ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static Run run(String outputs) {
    Instant t = CLOCK.instant();
    return new Run(RUN, UUID.randomUUID(), 1, null, "{}", "{}", RunStatus.SUCCESS, "api", null, "H100", "w", "l", 1, 0,
        3, 1, null, 300, null, null, 1.0, null, null, false, outputs, null, t, t, t, t, t);
  }
}

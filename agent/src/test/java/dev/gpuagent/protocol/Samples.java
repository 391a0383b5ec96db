package dev.gpuagent.protocol;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One or more instances of every message type, with optional fields both set and null. */
final class Samples {
  static final String LEASE = "c2a9d7e4-61b0-4f3a-8d25-7e9b1c0f5a46";
  static final String RUN = "8f14e45f-ceea-467f-a0e6-f9a8c2d1b3e7";
  static final long TOKEN = 1042;
  static final LeaseRef REF = new LeaseRef(LEASE, RUN, TOKEN, "gpu0");

  private Samples() {}

  static List<WorkerMessage> worker() {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("zone", "eu-west-1a");
    return List.of(
        new WorkerMessage.Hello(1, "gpu-host-1", "0.1.0", labels,
            List.of(SlotInfo.gpu("gpu0", "H100", 0, "GPU-3b5f", 85_520_809_984L), SlotInfo.cpu("cpu0")),
            List.of(REF)),
        new WorkerMessage.Hello(2, "w", "v", Map.of(), List.of(SlotInfo.cpu("c")), List.of()),
        new WorkerMessage.Heartbeat(List.of(REF),
            List.of(new SlotStatus("gpu0", SlotState.BUSY), new SlotStatus("gpu1", SlotState.UNHEALTHY))),
        new WorkerMessage.Heartbeat(List.of(), List.of()),
        new WorkerMessage.LeaseAck(LEASE, RUN, TOKEN),
        new WorkerMessage.NodeStarted(LEASE, RUN, TOKEN, "2", "ImageBlur", 1, 3),
        new WorkerMessage.NodeFinished(LEASE, RUN, TOKEN, "2", "ImageBlur", 12.75),
        new WorkerMessage.Progress(LEASE, RUN, TOKEN, 0.45, "Executing ImageBlur (2/3)", "2", 17, 40),
        new WorkerMessage.Progress(LEASE, RUN, TOKEN, 1.0, null, null, 0, 0),
        new WorkerMessage.Uploading(LEASE, RUN, TOKEN, 2),
        new WorkerMessage.RunFinished(LEASE, RUN, TOKEN, RunOutcome.SUCCESS, null,
            List.of(new OutputSummary("3", "SaveImage",
                List.of(new OutputImage("blurred_00001_.png", "", "output"),
                    new OutputImage("b_00002_.png", "sub/dir", "temp")),
                List.of("hello"))),
            184.2),
        new WorkerMessage.RunFinished(LEASE, RUN, TOKEN, RunOutcome.CANCELLED,
            new RunError(null, null, "cancelled before the first node", "cancelled"), List.of(), 0),
        new WorkerMessage.RunFinished(LEASE, RUN, TOKEN, RunOutcome.TIMEOUT,
            new RunError("2", "ImageBlur", "run exceeded 300 s", "timeout"), List.of(), 300_000),
        new WorkerMessage.LeaseReleased(LEASE, RUN, TOKEN, "shutdown"),
        new WorkerMessage.DrainStarted(300_000, "signal"));
  }

  static List<ServerMessage> server() {
    return List.of(
        new ServerMessage.Welcome(1, "5b0e7c1a", "0.1.0", 10_000, 30_000, 50, 256L << 20, 16 << 20),
        new ServerMessage.Lease(LEASE, RUN, 2, 3, TOKEN, "gpu0", "H100", "0d3c5a8e", workflow(), 300_000,
            "2025-01-15T10:35:00.250Z", "/worker/v1/runs/" + RUN + "/outputs/{filename}?lease=" + LEASE, false),
        new ServerMessage.Lease(LEASE, RUN, 1, 1, TOKEN, "cpu0", null, null, workflow(), 0,
            "2025-01-15T10:35:00Z", "https://ctl.example/{filename}", true),
        new ServerMessage.Cancel(LEASE, RUN, TOKEN, CancelReason.CANCELLED),
        new ServerMessage.Cancel(LEASE, RUN, TOKEN, CancelReason.TIMEOUT),
        new ServerMessage.Abandon(LEASE, RUN, "lease_expired", "expired"),
        new ServerMessage.Abandon(LEASE, null, "unknown_lease", null),
        new ServerMessage.Drain("operator"),
        new ServerMessage.ProtocolError("malformed_message", "frame is not valid JSON", false));
  }

  static ObjectNode workflow() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode graph = f.objectNode();
    ObjectNode empty = graph.putObject("1");
    empty.put("class_type", "EmptyImage");
    empty.putObject("inputs").put("width", 64).put("height", 32).put("color", 0xff8000);
    ObjectNode save = graph.putObject("2");
    save.put("class_type", "SaveImage");
    ObjectNode inputs = save.putObject("inputs");
    inputs.putArray("images").add("1").add(0);
    inputs.put("filename_prefix", "out");
    return graph;
  }
}

package dev.gpuagent.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ProtocolCodecTest {
  private final ProtocolCodec codec = new ProtocolCodec();

  @Test
  void aLeaseWithoutItsWorkflowKeepsEverythingElse() {
    ServerMessage.Lease lease = Samples.server().stream().filter(ServerMessage.Lease.class::isInstance)
        .map(ServerMessage.Lease.class::cast).findFirst().orElseThrow();
    ServerMessage.Lease slim = lease.withoutWorkflow();
    assertEquals(0, slim.workflowApi().size());
    assertTrue(lease.workflowApi().size() > 0, "the original keeps its graph");
    assertEquals(lease, new ServerMessage.Lease(slim.leaseId(), slim.runId(), slim.attempt(), slim.maxAttempts(),
        slim.fencingToken(), slim.slotId(), slim.gpu(), slim.deploymentId(), lease.workflowApi(), slim.timeoutMs(),
        slim.deadline(), slim.uploadUrl(), slim.resumed()));
  }

  @Test
  void everyWorkerMessageRoundTrips() throws ProtocolException {
    for (WorkerMessage message : Samples.worker()) {
      String frame = codec.encode(message);
      assertEquals(message, codec.decodeWorkerMessage(frame), frame);
      assertEquals(message, codec.decodeWorkerMessage(frame.getBytes(StandardCharsets.UTF_8)), frame);
    }
  }

  @Test
  void everyServerMessageRoundTrips() throws ProtocolException {
    for (ServerMessage message : Samples.server()) {
      String frame = codec.encode(message);
      assertEquals(message, codec.decodeServerMessage(frame), frame);
      assertEquals(message, codec.decodeServerMessage(frame.getBytes(StandardCharsets.UTF_8)), frame);
    }
  }

  @Test
  void everyPermittedRecordIsRegisteredUnderItsTypeAndSampled() {
    assertEquals(typesOf(WorkerMessage.class), ProtocolCodec.workerTypes());
    assertEquals(typesOf(ServerMessage.class), ProtocolCodec.serverTypes());
    assertEquals(new TreeSet<>(ProtocolCodec.workerTypes()),
        Samples.worker().stream().map(ProtocolMessage::type).collect(Collectors.toCollection(TreeSet::new)));
    assertEquals(new TreeSet<>(ProtocolCodec.serverTypes()),
        Samples.server().stream().map(ProtocolMessage::type).collect(Collectors.toCollection(TreeSet::new)));
  }

  @Test
  void typeComesFirstAndFieldsAreSnakeCase() {
    assertEquals("{\"type\":\"lease_ack\",\"lease_id\":\"L\",\"run_id\":\"R\",\"fencing_token\":7}",
        codec.encode(new WorkerMessage.LeaseAck("L", "R", 7)));
  }

  @Test
  void nullFieldsAreWrittenAsNull() {
    assertEquals("{\"type\":\"progress\",\"lease_id\":\"L\",\"run_id\":\"R\",\"fencing_token\":7,\"value\":0.5,"
            + "\"live_status\":null,\"node_id\":null,\"step\":0,\"steps\":0}",
        codec.encode(new WorkerMessage.Progress("L", "R", 7, 0.5, null, null, 0, 0)));
    assertEquals("{\"type\":\"hello\",\"protocol_version\":1,\"name\":\"w\",\"version\":\"v\",\"labels\":{},"
            + "\"slots\":[{\"slot_id\":\"cpu0\",\"kind\":\"cpu\",\"gpu_type\":\"CPU\",\"device_index\":null,"
            + "\"uuid\":null,\"memory_bytes\":null}],\"resume\":[]}",
        codec.encode(new WorkerMessage.Hello(1, "w", "v", null, List.of(SlotInfo.cpu("cpu0")), null)));
  }

  @Test
  void enumsAndBooleansUseTheirWireSpelling() {
    assertEquals("{\"type\":\"cancel\",\"lease_id\":\"L\",\"run_id\":\"R\",\"fencing_token\":7,\"reason\":\"timeout\"}",
        codec.encode(new ServerMessage.Cancel("L", "R", 7, CancelReason.TIMEOUT)));
    assertEquals("{\"type\":\"error\",\"code\":\"hello_required\",\"message\":\"m\",\"fatal\":true}",
        codec.encode(new ServerMessage.ProtocolError("hello_required", "m", true)));
  }

  @Test
  void missingOptionalFieldsReadAsNullOrEmpty() throws ProtocolException {
    assertEquals(new WorkerMessage.Heartbeat(List.of(), List.of()), codec.decodeWorkerMessage("{\"type\":\"heartbeat\"}"));
    WorkerMessage.Progress progress = (WorkerMessage.Progress) codec.decodeWorkerMessage(
        "{\"type\":\"progress\",\"lease_id\":\"L\",\"run_id\":\"R\",\"fencing_token\":7,\"value\":1,\"step\":0,\"steps\":0}");
    assertNull(progress.liveStatus());
    assertNull(progress.nodeId());
    assertEquals(1.0, progress.value());
    WorkerMessage.Hello hello = (WorkerMessage.Hello) codec.decodeWorkerMessage(
        "{\"type\":\"hello\",\"protocol_version\":1,\"name\":\"w\",\"version\":\"v\",\"slots\":[{\"slot_id\":\"c\",\"kind\":\"cpu\",\"gpu_type\":\"CPU\"}]}");
    assertEquals(List.of(), hello.resume());
    assertEquals(0, hello.labels().size());
    assertNull(hello.slots().get(0).deviceIndex());
  }

  @Test
  void aLeaseRefWithoutUploadingIsOneThatOccupiesItsSlot() throws ProtocolException {
    String v1 = "{\"type\":\"heartbeat\",\"leases\":[{\"lease_id\":\"L\",\"run_id\":\"R\",\"fencing_token\":7,"
        + "\"slot_id\":\"gpu0\"}]}";
    LeaseRef ref = ((WorkerMessage.Heartbeat) codec.decodeWorkerMessage(v1)).leases().get(0);
    assertEquals(Boolean.FALSE, ref.uploading());
    LeaseRef uploading = ((WorkerMessage.Heartbeat) codec.decodeWorkerMessage(
        v1.replace("\"gpu0\"", "\"gpu0\",\"uploading\":true"))).leases().get(0);
    assertEquals(Boolean.TRUE, uploading.uploading());
    assertTrue(codec.encode(new WorkerMessage.Heartbeat(List.of(uploading), List.of())).contains("\"uploading\":true"));
    ProtocolException e = assertThrows(ProtocolException.class, () -> codec.decodeWorkerMessage(
        v1.replace("\"gpu0\"", "\"gpu0\",\"uploading\":\"yes\"")));
    assertTrue(e.getMessage().contains("leases[0].uploading"), e.getMessage());
  }

  @Test
  void unknownFieldsAreIgnoredAtEveryLevel() throws ProtocolException {
    WorkerMessage decoded = codec.decodeWorkerMessage(
        "{\"future\":{\"x\":[1,2]},\"type\":\"heartbeat\",\"leases\":[{\"lease_id\":\"L\",\"run_id\":\"R\","
            + "\"fencing_token\":7,\"slot_id\":\"gpu0\",\"extra\":true}],\"slots\":[],\"also\":null}");
    assertEquals(new WorkerMessage.Heartbeat(List.of(new LeaseRef("L", "R", 7, "gpu0")), List.of()), decoded);
  }

  @Test
  void unknownTypeIsAnIgnorableProtocolException() {
    ProtocolException e = assertThrows(ProtocolException.class,
        () -> codec.decodeWorkerMessage("{\"type\":\"telemetry\",\"x\":1}"));
    assertEquals(ProtocolException.Reason.UNKNOWN_TYPE, e.reason());
    assertTrue(e.ignorable());
    assertEquals("telemetry", e.messageType());
    assertEquals("unknown worker message type \"telemetry\"", e.getMessage());
  }

  @Test
  void eachDirectionRefusesTheOtherDirectionsMessages() {
    String welcome = codec.encode(Samples.server().get(0));
    String hello = codec.encode(Samples.worker().get(0));
    assertEquals(ProtocolException.Reason.UNKNOWN_TYPE,
        assertThrows(ProtocolException.class, () -> codec.decodeWorkerMessage(welcome)).reason());
    assertEquals(ProtocolException.Reason.UNKNOWN_TYPE,
        assertThrows(ProtocolException.class, () -> codec.decodeServerMessage(hello)).reason());
  }

  static Stream<Arguments> malformedWorkerFrames() {
    String ack = "\"type\":\"lease_ack\",\"lease_id\":\"L\",\"run_id\":\"R\"";
    String helloHead = "\"type\":\"hello\",\"protocol_version\":1,\"name\":\"w\",\"version\":\"v\",";
    String progressHead = "\"type\":\"progress\",\"lease_id\":\"L\",\"run_id\":\"R\",\"fencing_token\":7,";
    String finishedHead = "\"type\":\"run_finished\",\"lease_id\":\"L\",\"run_id\":\"R\",\"fencing_token\":7,";
    return Stream.of(
        Arguments.of("", ProtocolException.Reason.MALFORMED_JSON, "frame is empty"),
        Arguments.of("   ", ProtocolException.Reason.MALFORMED_JSON, "frame is empty"),
        Arguments.of("hello", ProtocolException.Reason.MALFORMED_JSON, "frame is not valid JSON"),
        Arguments.of("{\"type\":\"heartbeat\"", ProtocolException.Reason.MALFORMED_JSON, "not valid JSON"),
        Arguments.of("{\"type\":\"heartbeat\"} {}", ProtocolException.Reason.MALFORMED_JSON, "not valid JSON"),
        Arguments.of("{\"type\":\"heartbeat\",\"type\":\"hello\"}", ProtocolException.Reason.MALFORMED_JSON,
            "Duplicate field 'type'"),
        Arguments.of("[1,2]", ProtocolException.Reason.NOT_AN_OBJECT, "frame must be a JSON object, got array"),
        Arguments.of("\"hello\"", ProtocolException.Reason.NOT_AN_OBJECT, "got string"),
        Arguments.of("{}", ProtocolException.Reason.MISSING_TYPE, "no string \"type\""),
        Arguments.of("{\"type\":5}", ProtocolException.Reason.MISSING_TYPE, "no string \"type\""),
        Arguments.of("{\"type\":null}", ProtocolException.Reason.MISSING_TYPE, "no string \"type\""),
        Arguments.of("{" + ack + "}", ProtocolException.Reason.INVALID_MESSAGE,
            "invalid lease_ack message: fencing_token is required"),
        Arguments.of("{" + ack + ",\"fencing_token\":\"7\"}", ProtocolException.Reason.INVALID_MESSAGE,
            "invalid lease_ack message: fencing_token: expected an integer"),
        Arguments.of("{" + ack + ",\"fencing_token\":7.0}", ProtocolException.Reason.INVALID_MESSAGE,
            "fencing_token: expected an integer"),
        Arguments.of("{" + ack + ",\"fencing_token\":9223372036854775808}", ProtocolException.Reason.INVALID_MESSAGE,
            "fencing_token"),
        Arguments.of("{" + ack + ",\"fencing_token\":0}", ProtocolException.Reason.INVALID_MESSAGE,
            "invalid lease_ack message: fencing_token must be positive, got 0"),
        Arguments.of("{\"type\":\"lease_ack\",\"run_id\":\"R\",\"fencing_token\":7}", ProtocolException.Reason.INVALID_MESSAGE,
            "invalid lease_ack message: lease_id is required"),
        Arguments.of("{\"type\":\"lease_ack\",\"lease_id\":\" \",\"run_id\":\"R\",\"fencing_token\":7}",
            ProtocolException.Reason.INVALID_MESSAGE, "lease_id is required"),
        Arguments.of("{\"type\":\"lease_ack\",\"lease_id\":5,\"run_id\":\"R\",\"fencing_token\":7}",
            ProtocolException.Reason.INVALID_MESSAGE, "lease_id: expected a string"),
        Arguments.of("{" + progressHead + "\"value\":1.5,\"step\":0,\"steps\":0}", ProtocolException.Reason.INVALID_MESSAGE,
            "invalid progress message: value must be within 0..1, got 1.5"),
        Arguments.of("{" + progressHead + "\"value\":\"0.5\",\"step\":0,\"steps\":0}", ProtocolException.Reason.INVALID_MESSAGE,
            "value: expected a number"),
        Arguments.of("{" + progressHead + "\"value\":0.5,\"step\":3,\"steps\":2}", ProtocolException.Reason.INVALID_MESSAGE,
            "steps must be at least step"),
        Arguments.of("{" + helloHead + "\"slots\":[]}", ProtocolException.Reason.INVALID_MESSAGE,
            "slots must list at least one slot"),
        Arguments.of("{" + helloHead + "\"slots\":[null]}", ProtocolException.Reason.INVALID_MESSAGE,
            "slots must not contain null"),
        Arguments.of("{" + helloHead + "\"slots\":[{\"slot_id\":\"a\",\"kind\":\"tpu\",\"gpu_type\":\"X\"}]}",
            ProtocolException.Reason.INVALID_MESSAGE, "kind must be one of gpu, cpu, got \"tpu\""),
        Arguments.of("{" + helloHead + "\"slots\":[{\"slot_id\":\"a\",\"kind\":1,\"gpu_type\":\"X\"}]}",
            ProtocolException.Reason.INVALID_MESSAGE, "kind must be one of gpu, cpu"),
        Arguments.of("{" + helloHead + "\"slots\":[{\"slot_id\":\"a\",\"kind\":\"gpu\",\"gpu_type\":\"T4\","
                + "\"device_index\":0,\"memory_bytes\":\"big\"}]}",
            ProtocolException.Reason.INVALID_MESSAGE, "slots[0].memory_bytes: expected an integer"),
        Arguments.of("{" + helloHead + "\"slots\":[{\"slot_id\":\"a\",\"kind\":\"gpu\",\"gpu_type\":\"T4\"}]}",
            ProtocolException.Reason.INVALID_MESSAGE, "device_index is required (>= 0) for a gpu slot"),
        Arguments.of("{" + helloHead + "\"slots\":[{\"slot_id\":\"a\",\"kind\":\"cpu\",\"gpu_type\":\"CPU\"},"
                + "{\"slot_id\":\"a\",\"kind\":\"cpu\",\"gpu_type\":\"CPU\"}]}",
            ProtocolException.Reason.INVALID_MESSAGE, "slots lists \"a\" twice"),
        Arguments.of("{" + helloHead + "\"slots\":{}}", ProtocolException.Reason.INVALID_MESSAGE,
            "slots: expected an array"),
        Arguments.of("{" + helloHead + "\"labels\":{\"a\":1},\"slots\":[]}", ProtocolException.Reason.INVALID_MESSAGE,
            "labels"),
        Arguments.of("{" + finishedHead + "\"status\":\"success\",\"error\":{\"message\":\"m\",\"type\":\"t\"},"
                + "\"duration_ms\":1}", ProtocolException.Reason.INVALID_MESSAGE, "error must be null when status is success"),
        Arguments.of("{" + finishedHead + "\"status\":\"failed\",\"duration_ms\":1}", ProtocolException.Reason.INVALID_MESSAGE,
            "error is required when status is failed"),
        Arguments.of("{" + finishedHead + "\"status\":\"done\",\"duration_ms\":1}", ProtocolException.Reason.INVALID_MESSAGE,
            "status must be one of success, failed, cancelled, timeout"),
        Arguments.of("{" + finishedHead + "\"status\":\"success\",\"duration_ms\":1,\"outputs\":[{\"node_id\":\"3\","
                + "\"class_type\":\"SaveImage\",\"images\":[{\"filename\":\"../x.png\",\"type\":\"output\"}]}]}",
            ProtocolException.Reason.INVALID_MESSAGE, "filename must not start with a dot"),
        Arguments.of("{\"type\":\"drain_started\",\"drain_timeout_ms\":-1,\"reason\":\"signal\"}",
            ProtocolException.Reason.INVALID_MESSAGE, "drain_timeout_ms must not be negative"),
        Arguments.of("{\"type\":\"heartbeat\",\"leases\":\"all\"}", ProtocolException.Reason.INVALID_MESSAGE,
            "leases: expected an array"),
        Arguments.of("{\"type\":\"heartbeat\",\"slots\":[{\"slot_id\":\"gpu0\",\"state\":\"sleeping\"}]}",
            ProtocolException.Reason.INVALID_MESSAGE, "state must be one of idle, busy, unhealthy"),
        Arguments.of("[".repeat(200) + "]".repeat(200), ProtocolException.Reason.MALFORMED_JSON,
            "frame exceeds a JSON limit"));
  }

  @ParameterizedTest
  @MethodSource("malformedWorkerFrames")
  void malformedWorkerFramesAreRefusedClearly(String frame, ProtocolException.Reason reason, String fragment) {
    ProtocolException e = assertThrows(ProtocolException.class, () -> codec.decodeWorkerMessage(frame));
    assertEquals(reason, e.reason(), e.getMessage());
    assertTrue(e.getMessage().contains(fragment), () -> "message \"" + e.getMessage() + "\" lacks \"" + fragment + "\"");
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    assertFalse(e.getMessage().contains("java."), e.getMessage());
    assertFalse(e.ignorable());
  }

  static Stream<Arguments> malformedServerFrames() {
    String leaseHead = "\"type\":\"lease\",\"lease_id\":\"L\",\"run_id\":\"R\",\"attempt\":1,\"max_attempts\":3,"
        + "\"fencing_token\":7,\"slot_id\":\"gpu0\",\"timeout_ms\":1000,\"resumed\":false,";
    return Stream.of(
        Arguments.of("{" + leaseHead + "\"workflow_api\":[1],\"deadline\":\"2025-01-15T10:35:00Z\",\"upload_url\":\"/{filename}\"}",
            "workflow_api: expected an object"),
        Arguments.of("{" + leaseHead + "\"workflow_api\":{},\"deadline\":\"tomorrow\",\"upload_url\":\"/{filename}\"}",
            "deadline must be an ISO-8601 instant, got \"tomorrow\""),
        Arguments.of("{" + leaseHead + "\"workflow_api\":{},\"deadline\":\"2025-01-15T10:35:00Z\",\"upload_url\":\"/x\"}",
            "upload_url must contain {filename}"),
        Arguments.of("{" + leaseHead.replace("\"attempt\":1", "\"attempt\":4") + "\"workflow_api\":{},"
            + "\"deadline\":\"2025-01-15T10:35:00Z\",\"upload_url\":\"/{filename}\"}", "max_attempts must be at least attempt"),
        Arguments.of("{" + leaseHead.replace("\"resumed\":false", "\"resumed\":\"no\"") + "\"workflow_api\":{},"
            + "\"deadline\":\"2025-01-15T10:35:00Z\",\"upload_url\":\"/{filename}\"}", "resumed: expected true or false"),
        Arguments.of("{\"type\":\"cancel\",\"lease_id\":\"L\",\"run_id\":\"R\",\"fencing_token\":7,\"reason\":\"later\"}",
            "reason must be one of cancelled, timeout"),
        Arguments.of("{\"type\":\"welcome\",\"protocol_version\":1,\"worker_id\":\"w\",\"server_version\":\"v\","
            + "\"heartbeat_interval_ms\":30000,\"lease_ttl_ms\":10000,\"progress_interval_ms\":50,"
            + "\"max_upload_bytes\":1,\"max_frame_bytes\":1}", "lease_ttl_ms must be longer than heartbeat_interval_ms"),
        Arguments.of("{\"type\":\"error\",\"code\":\"x\",\"message\":\"m\"}", "fatal is required"));
  }

  @ParameterizedTest
  @MethodSource("malformedServerFrames")
  void malformedServerFramesAreRefusedClearly(String frame, String fragment) {
    ProtocolException e = assertThrows(ProtocolException.class, () -> codec.decodeServerMessage(frame));
    assertEquals(ProtocolException.Reason.INVALID_MESSAGE, e.reason(), e.getMessage());
    assertTrue(e.getMessage().contains(fragment), () -> "message \"" + e.getMessage() + "\" lacks \"" + fragment + "\"");
  }

  @Test
  void framesOverTheLimitAreRefusedBeforeParsing() throws ProtocolException {
    ProtocolCodec small = new ProtocolCodec(1024);
    String padded = "{\"type\":\"heartbeat\",\"pad\":\"" + "x".repeat(1100) + "\"}";
    ProtocolException e = assertThrows(ProtocolException.class, () -> small.decodeWorkerMessage(padded));
    assertEquals(ProtocolException.Reason.FRAME_TOO_LARGE, e.reason());
    assertTrue(e.getMessage().contains("over the limit of 1024"), e.getMessage());
    assertEquals(ProtocolException.Reason.FRAME_TOO_LARGE, assertThrows(ProtocolException.class,
        () -> small.decodeWorkerMessage(padded.getBytes(StandardCharsets.UTF_8))).reason());
    // 350 three-byte characters are 350 chars but 1050 bytes: the limit counts bytes.
    String wide = "{\"type\":\"heartbeat\",\"p\":\"" + "\u20ac".repeat(350) + "\"}";
    assertEquals(ProtocolException.Reason.FRAME_TOO_LARGE,
        assertThrows(ProtocolException.class, () -> small.decodeWorkerMessage(wide)).reason());
    String fits = "{\"type\":\"heartbeat\",\"p\":\"" + "\u20ac".repeat(300) + "\"}";
    assertEquals(new WorkerMessage.Heartbeat(List.of(), List.of()), small.decodeWorkerMessage(fits));
    assertThrows(IllegalArgumentException.class, () -> new ProtocolCodec(100));
  }

  @Test
  void invalidUtf8IsMalformedJson() {
    byte[] frame = "{\"type\":\"heartbeat\",\"x\":\"..\"}".getBytes(StandardCharsets.UTF_8);
    frame[frame.length - 4] = (byte) 0xC3;
    frame[frame.length - 3] = (byte) 0x28;
    ProtocolException e = assertThrows(ProtocolException.class, () -> codec.decodeWorkerMessage(frame));
    assertEquals(ProtocolException.Reason.MALFORMED_JSON, e.reason());
  }

  @Test
  void errorMessagesStayShortWhateverTheInput() {
    String huge = "x".repeat(100_000);
    ProtocolException e = assertThrows(ProtocolException.class, () -> codec.decodeWorkerMessage(
        "{\"type\":\"" + huge + "\"}"));
    assertTrue(e.getMessage().length() < 400, "message of " + e.getMessage().length() + " chars");
    ProtocolException e2 = assertThrows(ProtocolException.class, () -> codec.decodeWorkerMessage(
        "{\"type\":\"lease_ack\",\"lease_id\":\"" + huge + "\",\"run_id\":\"R\",\"fencing_token\":1}"));
    assertTrue(e2.getMessage().contains("lease_id is longer than 128 characters"), e2.getMessage());
  }

  @Test
  void leaseExposesItsDeadlineAsAnInstant() {
    ServerMessage.Lease lease = (ServerMessage.Lease) Samples.server().get(1);
    assertEquals(java.time.Instant.parse("2025-01-15T10:35:00.250Z"), lease.deadlineInstant());
    assertFalse(codec.encode(lease).contains("deadline_instant"));
  }

  @Test
  void cancelReasonsMapToTheStatusTheWorkerConfirmsWith() {
    assertEquals(RunOutcome.CANCELLED, CancelReason.CANCELLED.outcome());
    assertEquals(RunOutcome.TIMEOUT, CancelReason.TIMEOUT.outcome());
  }

  @Test
  void messageRecordsCopyTheirLists() {
    java.util.ArrayList<SlotInfo> slots = new java.util.ArrayList<>(List.of(SlotInfo.cpu("c")));
    WorkerMessage.Hello hello = new WorkerMessage.Hello(1, "w", "v", null, slots, null);
    slots.add(SlotInfo.cpu("d"));
    assertEquals(1, hello.slots().size());
    assertThrows(UnsupportedOperationException.class, () -> hello.slots().add(SlotInfo.cpu("e")));
  }

  private static Set<String> typesOf(Class<?> family) {
    return Arrays.stream(family.getPermittedSubclasses())
        .map(type -> {
          try {
            return (String) type.getField("TYPE").get(null);
          } catch (ReflectiveOperationException e) {
            throw new AssertionError(type + " lacks a public TYPE constant", e);
          }
        })
        .collect(Collectors.toSet());
  }

  @Test
  void decodedMessagesHaveTheirRecordTypes() throws ProtocolException {
    assertInstanceOf(WorkerMessage.DrainStarted.class,
        codec.decodeWorkerMessage("{\"type\":\"drain_started\",\"drain_timeout_ms\":5,\"reason\":\"signal\"}"));
    assertInstanceOf(ServerMessage.Drain.class, codec.decodeServerMessage("{\"type\":\"drain\",\"reason\":\"operator\"}"));
  }
}

package dev.gpuagent.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.jsontype.NamedType;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Encodes and decodes protocol frames: one JSON object per WebSocket text frame, {@code type} first,
 * snake_case field names, every field written (null where absent). Decoding is strict about what it
 * reads (no coercion of strings to numbers, no fractions for integers, no duplicate keys or trailing
 * content) and lenient about what it does not know (unknown fields are ignored). Any bad frame ends
 * in a {@link ProtocolException}; nothing else escapes. Thread-safe.
 */
public final class ProtocolCodec {
  private static final int MAX_DETAIL_CHARS = 300;

  private static final Map<String, Class<? extends WorkerMessage>> WORKER_TYPES = Map.of(
      WorkerMessage.Hello.TYPE, WorkerMessage.Hello.class,
      WorkerMessage.Heartbeat.TYPE, WorkerMessage.Heartbeat.class,
      WorkerMessage.LeaseAck.TYPE, WorkerMessage.LeaseAck.class,
      WorkerMessage.NodeStarted.TYPE, WorkerMessage.NodeStarted.class,
      WorkerMessage.NodeFinished.TYPE, WorkerMessage.NodeFinished.class,
      WorkerMessage.Progress.TYPE, WorkerMessage.Progress.class,
      WorkerMessage.Uploading.TYPE, WorkerMessage.Uploading.class,
      WorkerMessage.RunFinished.TYPE, WorkerMessage.RunFinished.class,
      WorkerMessage.LeaseReleased.TYPE, WorkerMessage.LeaseReleased.class,
      WorkerMessage.DrainStarted.TYPE, WorkerMessage.DrainStarted.class);

  private static final Map<String, Class<? extends ServerMessage>> SERVER_TYPES = Map.of(
      ServerMessage.Welcome.TYPE, ServerMessage.Welcome.class,
      ServerMessage.Lease.TYPE, ServerMessage.Lease.class,
      ServerMessage.Cancel.TYPE, ServerMessage.Cancel.class,
      ServerMessage.Abandon.TYPE, ServerMessage.Abandon.class,
      ServerMessage.Drain.TYPE, ServerMessage.Drain.class,
      ServerMessage.ProtocolError.TYPE, ServerMessage.ProtocolError.class);

  private final int maxFrameBytes;
  private final ObjectMapper mapper;

  /** A codec with {@link Protocol#DEFAULT_MAX_FRAME_BYTES}. */
  public ProtocolCodec() {
    this(Protocol.DEFAULT_MAX_FRAME_BYTES);
  }

  /** A codec that refuses frames over {@code maxFrameBytes} UTF-8 bytes. */
  public ProtocolCodec(int maxFrameBytes) {
    if (maxFrameBytes < 1024) {
      throw new IllegalArgumentException("maxFrameBytes must be at least 1024, got " + maxFrameBytes);
    }
    this.maxFrameBytes = maxFrameBytes;
    this.mapper = newMapper(maxFrameBytes);
  }

  public int maxFrameBytes() {
    return maxFrameBytes;
  }

  /** The {@code type} names a worker may send. */
  public static Set<String> workerTypes() {
    return WORKER_TYPES.keySet();
  }

  /** The {@code type} names a server may send. */
  public static Set<String> serverTypes() {
    return SERVER_TYPES.keySet();
  }

  /** The frame for {@code message}. Size is not checked here: the receiver enforces its limit. */
  public String encode(ProtocolMessage message) {
    try {
      return mapper.writeValueAsString(message);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode a " + message.type() + " message", e);
    }
  }

  public WorkerMessage decodeWorkerMessage(String frame) throws ProtocolException {
    checkSize(utf8Length(frame));
    return bind(parse(frame), WORKER_TYPES, "worker");
  }

  public WorkerMessage decodeWorkerMessage(byte[] utf8) throws ProtocolException {
    checkSize(utf8.length);
    return bind(parse(utf8), WORKER_TYPES, "worker");
  }

  public ServerMessage decodeServerMessage(String frame) throws ProtocolException {
    checkSize(utf8Length(frame));
    return bind(parse(frame), SERVER_TYPES, "server");
  }

  public ServerMessage decodeServerMessage(byte[] utf8) throws ProtocolException {
    checkSize(utf8.length);
    return bind(parse(utf8), SERVER_TYPES, "server");
  }

  private void checkSize(long bytes) throws ProtocolException {
    if (bytes > maxFrameBytes) {
      throw new ProtocolException(ProtocolException.Reason.FRAME_TOO_LARGE, null,
          "frame is " + bytes + " bytes, over the limit of " + maxFrameBytes);
    }
  }

  private JsonNode parse(Object input) throws ProtocolException {
    JsonNode root;
    try {
      root = input instanceof String text ? mapper.readTree(text) : mapper.readTree((byte[]) input);
    } catch (StreamConstraintsException e) {
      String detail = clip(e.getOriginalMessage());
      int hint = detail.indexOf(" (from `");
      throw new ProtocolException(ProtocolException.Reason.MALFORMED_JSON, null,
          "frame exceeds a JSON limit: " + (hint > 0 ? detail.substring(0, hint) : detail));
    } catch (JsonProcessingException e) {
      String detail = clip(e.getOriginalMessage());
      throw new ProtocolException(ProtocolException.Reason.MALFORMED_JSON, null, "frame is not valid JSON: "
          + (detail.startsWith("Trailing token") ? "content after the object" : detail));
    } catch (IOException | RuntimeException e) {
      throw new ProtocolException(ProtocolException.Reason.MALFORMED_JSON, null,
          "frame could not be read: " + clip(String.valueOf(e.getMessage())));
    }
    if (root == null || root.isMissingNode()) {
      throw new ProtocolException(ProtocolException.Reason.MALFORMED_JSON, null, "frame is empty");
    }
    if (!root.isObject()) {
      throw new ProtocolException(ProtocolException.Reason.NOT_AN_OBJECT, null,
          "frame must be a JSON object, got " + root.getNodeType().name().toLowerCase(Locale.ROOT));
    }
    return root;
  }

  private <T extends ProtocolMessage> T bind(JsonNode root, Map<String, Class<? extends T>> types,
      String sender) throws ProtocolException {
    JsonNode typeNode = root.get("type");
    if (typeNode == null || !typeNode.isTextual()) {
      throw new ProtocolException(ProtocolException.Reason.MISSING_TYPE, null,
          "frame has no string \"type\" field");
    }
    String type = typeNode.textValue();
    Class<? extends T> target = types.get(type);
    if (target == null) {
      throw new ProtocolException(ProtocolException.Reason.UNKNOWN_TYPE, clip(type),
          "unknown " + sender + " message type \"" + clip(type) + "\"");
    }
    try {
      return mapper.treeToValue(root, target);
    } catch (JsonProcessingException e) {
      throw new ProtocolException(ProtocolException.Reason.INVALID_MESSAGE, type,
          "invalid " + type + " message: " + FieldErrors.describe(e, MAX_DETAIL_CHARS));
    } catch (RuntimeException e) {
      throw new ProtocolException(ProtocolException.Reason.INVALID_MESSAGE, type,
          "invalid " + type + " message: " + clip(FieldErrors.rootMessage(e)));
    }
  }

  private static ObjectMapper newMapper(int maxFrameBytes) {
    JsonFactory factory = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder()
            .maxNestingDepth(Protocol.MAX_NESTING_DEPTH)
            .maxDocumentLength(maxFrameBytes)
            .maxStringLength(maxFrameBytes)
            .build())
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build();
    JsonMapper mapper = JsonMapper.builder(factory)
        .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
        .serializationInclusion(JsonInclude.Include.ALWAYS)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .build();
    for (LogicalType textual : new LogicalType[] {LogicalType.Textual, LogicalType.Enum}) {
      mapper.coercionConfigFor(textual)
          .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    }
    WORKER_TYPES.forEach((name, type) -> mapper.registerSubtypes(new NamedType(type, name)));
    SERVER_TYPES.forEach((name, type) -> mapper.registerSubtypes(new NamedType(type, name)));
    return mapper;
  }

  /** UTF-8 length of {@code text}, exact only where it matters against the limit. */
  private long utf8Length(String text) {
    if ((long) text.length() * 3 <= maxFrameBytes || text.length() > maxFrameBytes) {
      return text.length();
    }
    long bytes = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }

  static String clip(String text) {
    if (text == null) {
      return "";
    }
    String line = text.lines().findFirst().orElse("");
    return line.length() > MAX_DETAIL_CHARS ? line.substring(0, MAX_DETAIL_CHARS) + "..." : line;
  }
}

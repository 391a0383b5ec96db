package dev.gpuagent.protocol;

/**
 * A frame that is not a valid message of the expected direction. Never thrown for anything else: a
 * decoder that meets a bad frame throws this and nothing else, and the connection lives on.
 */
public final class ProtocolException extends Exception {
  private static final long serialVersionUID = 1L;

  /** What was wrong with the frame. */
  public enum Reason {
    /** Over the configured maximum frame size: the receiver closes the connection with 1009. */
    FRAME_TOO_LARGE("frame_too_large"),
    /** Not JSON, or JSON with trailing content or duplicate keys. */
    MALFORMED_JSON("malformed_message"),
    /** JSON, but not an object. */
    NOT_AN_OBJECT("malformed_message"),
    /** An object without a string {@code type}. */
    MISSING_TYPE("malformed_message"),
    /** A {@code type} this side does not know: log it and ignore the frame (forward compatibility). */
    UNKNOWN_TYPE("unknown_type"),
    /** A known type whose fields are missing, of the wrong JSON type or out of range. */
    INVALID_MESSAGE("malformed_message");

    private final String errorCode;

    Reason(String errorCode) {
      this.errorCode = errorCode;
    }

    /**
     * The {@code code} of the {@code error} message a server answers with. Frames too large close the
     * connection (1009) and unknown types are only logged, so those two codes never go on the wire.
     */
    public String errorCode() {
      return errorCode;
    }
  }

  private final Reason reason;
  private final String messageType;

  ProtocolException(Reason reason, String messageType, String message) {
    super(message);
    this.reason = reason;
    this.messageType = messageType;
  }

  public Reason reason() {
    return reason;
  }

  /** The frame's {@code type} when it had one, else null. */
  public String messageType() {
    return messageType;
  }

  /** True for an unknown message type, which the protocol says to ignore with a log line. */
  public boolean ignorable() {
    return reason == Reason.UNKNOWN_TYPE;
  }
}

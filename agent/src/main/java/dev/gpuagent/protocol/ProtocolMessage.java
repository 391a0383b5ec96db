package dev.gpuagent.protocol;

import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * One frame of the protocol: a JSON object whose {@code type} names the message. Each direction has
 * its own sealed family so a decoder never accepts a message the other side sends.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
public sealed interface ProtocolMessage permits WorkerMessage, ServerMessage {
  /** The {@code type} discriminator. */
  String type();
}

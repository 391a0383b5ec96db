package dev.gpuagent.protocol;

/**
 * Why a run did not succeed, in {@code run_finished.error}.
 *
 * @param nodeId the node it failed or stopped at; null if it stopped before the first node
 * @param classType that node's class type; null with {@code nodeId}
 * @param message for people: the workflow author reads it in the run's {@code live_status}
 * @param type machine-readable: {@code node_error}, {@code validation_error}, {@code out_of_memory},
 *     {@code device_error}, {@code output_upload_failed}, {@code cancelled}, {@code timeout},
 *     {@code internal_error} (docs/protocol.md); unknown values are kept as they are
 */
public record RunError(String nodeId, String classType, String message, String type) {
  public RunError {
    Check.optionalId(nodeId, "error.node_id");
    Check.optionalText(classType, "error.class_type", Check.MAX_ID_LENGTH);
    Check.text(message, "error.message", Check.MAX_TEXT_LENGTH);
    Check.id(type, "error.type");
  }
}

package dev.gpuagent.gpu;

import dev.gpuagent.engine.FailureKind;
import dev.gpuagent.engine.NodeException;

/** A CUDA call failed during a node; the run fails, and for a sticky error the device is marked unhealthy. */
public final class GpuDeviceException extends NodeException {
  private final String code;
  private final boolean deviceLost;

  GpuDeviceException(String message, String code, boolean deviceLost, Throwable cause) {
    super(message, cause);
    this.code = code;
    this.deviceLost = deviceLost;
  }

  /** The CUDA error name, e.g. {@code CUDA_ERROR_ILLEGAL_ADDRESS}. */
  public String code() {
    return code;
  }

  /** Whether the error was sticky and the device now takes no more work. */
  public boolean deviceLost() {
    return deviceLost;
  }

  @Override
  public FailureKind kind() {
    return FailureKind.DEVICE;
  }
}

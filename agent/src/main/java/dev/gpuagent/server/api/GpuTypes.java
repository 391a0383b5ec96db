package dev.gpuagent.server.api;

import java.util.List;

/** The GPU types a run or deployment may ask for (ComfyDeploy's list plus H200, B200 and CPU). */
public final class GpuTypes {
  public static final List<String> ALL =
      List.of("T4", "L4", "A10G", "L40S", "A100", "A100-80GB", "H100", "H200", "B200", "CPU");

  private GpuTypes() {}
}

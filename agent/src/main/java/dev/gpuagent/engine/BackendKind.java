package dev.gpuagent.engine;

/** Where node implementations run. */
public enum BackendKind {
  CPU,
  CUDA
}

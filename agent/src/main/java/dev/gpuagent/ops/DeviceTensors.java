package dev.gpuagent.ops;

import dev.gpuagent.cpu.AlphaFix;
import dev.gpuagent.cpu.CpuTensor;
import dev.gpuagent.cpu.Resample;
import dev.gpuagent.cpu.ResampleMethod;
import dev.gpuagent.engine.Shape;
import dev.gpuagent.engine.Tensor;
import dev.gpuagent.gpu.CudaBackend;
import dev.gpuagent.gpu.CudaTensor;
import dev.gpuagent.gpu.HostParallel;
import dev.gpuagent.gpu.Kernels;
import java.util.function.Function;

/** Helpers shared by the CUDA implementations of the node groups. */
final class DeviceTensors {
  private DeviceTensors() {}

  /** The device view of a tensor handed to a CUDA node implementation. */
  static CudaTensor of(Tensor tensor) {
    if (tensor instanceof CudaTensor cuda) {
      return cuda;
    }
    throw new IllegalArgumentException("expected a CUDA tensor, got " + tensor.getClass().getSimpleName());
  }

  /**
   * Allocates an output and runs {@code body} on it; the output is closed (returned to the cache)
   * when the body throws, so a failed node leaks no device memory.
   */
  static CudaTensor produce(CudaBackend backend, Shape shape, java.util.function.Consumer<CudaTensor> body) {
    CudaTensor out = backend.allocate(shape);
    try {
      body.accept(out);
      return out;
    } catch (RuntimeException | Error e) {
      out.close();
      throw e;
    }
  }

  /** AlphaFix.fit on the device: {@code source} itself when it has the channels, else a new tensor. */
  static CudaTensor alphaFit(CudaBackend backend, CudaTensor source, int channels, String sourceName,
      String targetName) {
    if (!AlphaFix.needed(source.shape().channels(), channels, sourceName, targetName)) {
      return source;
    }
    Shape s = source.shape();
    return produce(backend, new Shape(s.batch(), s.height(), s.width(), channels),
        out -> Kernels.alphaFit(backend, source, out));
  }

  /**
   * Resample.resize on the device, except Lanczos (Pillow's filter on 8-bit data), which downloads,
   * resizes on the host and uploads the result.
   */
  static CudaTensor resize(CudaBackend backend, CudaTensor image, Resample.Region region, int height, int width,
      ResampleMethod method) {
    Shape s = image.shape();
    if (!Kernels.resizesOnDevice(method)) {
      CpuTensor host = backend.download(image);
      return backend.upload(Resample.resize(host, region, height, width, method, HostParallel.get()));
    }
    return produce(backend, new Shape(s.batch(), height, width, s.channels()),
        out -> Kernels.resize(backend, image, region, out, method));
  }

  /** Closes {@code temporary} unless it is {@code input} (a step that returned its input unchanged). */
  static void closeTemporary(CudaTensor temporary, CudaTensor input) {
    if (temporary != input) {
      temporary.close();
    }
  }

  /** Applies {@code f} and closes the intermediate afterwards (unless it is the input). */
  static CudaTensor then(CudaTensor intermediate, CudaTensor input, Function<CudaTensor, CudaTensor> f) {
    try {
      return f.apply(intermediate);
    } finally {
      closeTemporary(intermediate, input);
    }
  }
}

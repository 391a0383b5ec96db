package dev.gpuagent.gpu;

import dev.gpuagent.cpu.CpuTensor;
import dev.gpuagent.engine.Backend;
import dev.gpuagent.engine.BackendKind;
import dev.gpuagent.engine.NodeException;
import dev.gpuagent.engine.NodeInvocation;
import dev.gpuagent.engine.Shape;
import java.util.ArrayList;
import java.util.List;
import jcuda.CudaException;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs nodes on one CUDA device through one stream (one execution slot). Tensors stay in device
 * memory between nodes; only uploads and downloads cross PCIe, through pinned staging buffers.
 * Device memory comes from the device's caching allocator; {@link #scratch} buffers last until the
 * node returns (the executor calls {@link #endNode()}). Used by one thread at a time; each call makes
 * the device's context current on the calling thread.
 */
public final class CudaBackend implements Backend {
  private static final Logger log = LoggerFactory.getLogger(CudaBackend.class);

  private final CudaDevice device;
  private final DeviceAllocator<CUdeviceptr> allocator;
  private final CUstream stream;
  private final PinnedStaging staging;
  private final KernelTimer timer;
  private final List<DeviceAllocator.Block<CUdeviceptr>> scratch = new ArrayList<>();
  private volatile boolean closed;

  private CudaBackend(CudaDevice device) {
    this.device = device;
    this.allocator = device.allocator();
    device.makeCurrent();
    CUstream created = new CUstream();
    JCudaDriver.cuStreamCreate(created, CUstream_flags.CU_STREAM_NON_BLOCKING);
    this.stream = created;
    this.staging = new PinnedStaging(device);
    this.timer = new KernelTimer();
  }

  /**
   * Opens a backend on device {@code deviceIndex}: retains the device's primary context and creates
   * a stream. Throws {@link GpuUnavailableException} (with the reason) when no usable device exists.
   */
  public static CudaBackend open(int deviceIndex) {
    CudaDevice device = CudaDevice.acquire(deviceIndex);
    try {
      return new CudaBackend(device);
    } catch (RuntimeException e) {
      device.release();
      throw new GpuUnavailableException("could not open a stream on " + device.label() + ": " + e.getMessage());
    }
  }

  /** The backend behind a CUDA node call. */
  public static CudaBackend of(NodeInvocation call) {
    if (call.backend() instanceof CudaBackend cuda) {
      return cuda;
    }
    throw new IllegalStateException("CUDA implementation called on " + call.backend().description());
  }

  public CudaDevice device() {
    return device;
  }

  /** Uninitialised device memory for a tensor of this shape, from the caching allocator. */
  public CudaTensor allocate(Shape shape) {
    checkOpen();
    DeviceAllocator.Block<CUdeviceptr> block = allocator.allocate(shape.elements() * Float.BYTES, stream);
    return new CudaTensor(shape, block.pointer(), t -> release(block));
  }

  /** A tensor closed after this backend (its stream is synchronised and gone) frees its block for anyone. */
  private void release(DeviceAllocator.Block<CUdeviceptr> block) {
    allocator.release(block);
    if (closed) {
      allocator.retire(stream);
    }
  }

  /** Copies a host tensor to the device through pinned staging, on this backend's stream. */
  public CudaTensor upload(CpuTensor host) {
    CudaTensor tensor = allocate(host.shape());
    try {
      staging.upload(host.data(), tensor.pointer(), stream);
      return tensor;
    } catch (RuntimeException e) {
      tensor.close();
      throw e;
    }
  }

  /** Copies a device tensor to the host; synchronises the stream. */
  public CpuTensor download(CudaTensor tensor) {
    checkOpen();
    CpuTensor host = CpuTensor.allocate(tensor.shape());
    staging.download(tensor.pointer(), host.data(), stream);
    return host;
  }

  /** Copies {@code bytes} bytes from the device to a new array (uint8 pixels for PNG, say). */
  public byte[] downloadBytes(CUdeviceptr src, long bytes) {
    checkOpen();
    if (bytes < 0 || bytes > Integer.MAX_VALUE - 16) {
      throw new NodeException("cannot download " + bytes + " bytes into one array");
    }
    byte[] data = new byte[(int) bytes];
    staging.download(src, data, stream);
    return data;
  }

  /** A device buffer of at least {@code bytes} bytes, valid until the current node returns. */
  public CUdeviceptr scratch(long bytes) {
    checkOpen();
    DeviceAllocator.Block<CUdeviceptr> block = allocator.allocate(bytes, stream);
    scratch.add(block);
    return block.pointer();
  }

  /** This backend's stream; the device's context is made current on the calling thread. */
  public CUstream stream() {
    checkOpen();
    device.makeCurrent();
    return stream;
  }

  /** A kernel of the fatbin module, cached per context. */
  public CUfunction function(String kernelName) {
    checkOpen();
    return device.function(kernelName);
  }

  /** Waits until all work queued on this backend's stream has finished. */
  public void synchronize() {
    checkOpen();
    device.makeCurrent();
    JCudaDriver.cuStreamSynchronize(stream);
  }

  /**
   * Device milliseconds spent inside nodes so far (from events recorded at each node's start and
   * end; includes any idle gaps of the stream inside a node). Waits for the queued work.
   */
  public double kernelMillis() {
    checkOpen();
    device.makeCurrent();
    return timer.totalMillis();
  }

  @Override
  public void beginNode() {
    if (!closed && device.healthy()) {
      device.makeCurrent();
      timer.begin(stream);
    }
  }

  /** Releases the node's scratch buffers to the cache (stream order keeps reuse safe) and ends its timing. */
  @Override
  public void endNode() {
    for (DeviceAllocator.Block<CUdeviceptr> block : scratch) {
      allocator.release(block);
    }
    scratch.clear();
    if (!closed && device.healthy()) {
      try {
        device.makeCurrent();
        timer.end(stream);
      } catch (RuntimeException e) {
        log.debug("{}: timing event failed: {}", device.label(), e.getMessage());
      }
    }
  }

  /**
   * A CUDA error becomes a run failure whose message names the error and the device; a sticky one
   * (illegal address and the like) also marks the device unhealthy, since its context is lost.
   */
  @Override
  public RuntimeException translateFailure(RuntimeException failure) {
    return CudaErrors.translate(failure, device.label(), device::markUnhealthy);
  }

  @Override
  public BackendKind kind() {
    return BackendKind.CUDA;
  }

  @Override
  public String description() {
    DeviceInfo info = device.info();
    return "cuda:" + info.index() + " " + info.name() + " (" + info.type() + ", compute " + info.computeCapability()
        + ", " + Bytes.human(info.totalMemory()) + ")";
  }

  /**
   * Waits for the stream, frees the staging buffers, events and stream, hands this stream's cached
   * buffers to the device's other users, and releases the device. Never throws.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    endNode();
    try {
      quietly("synchronising the stream", () -> {
        if (device.healthy()) {
          device.makeCurrent();
          JCudaDriver.cuStreamSynchronize(stream);
        }
      });
      allocator.retire(stream);
      quietly("freeing the staging buffers", staging::close);
      quietly("destroying the timing events", timer::close);
      quietly("destroying the stream", () -> {
        device.makeCurrent();
        JCudaDriver.cuStreamDestroy(stream);
      });
    } finally {
      device.release();
    }
  }

  /** Runs one step of closing; a failure is logged (and a sticky one marks the device), never thrown. */
  private void quietly(String what, Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      String code = CudaErrors.code(e);
      if (e instanceof CudaException && CudaErrors.isSticky(code)) {
        device.markUnhealthy(code);
      } else if (device.healthy()) {
        log.warn("{}: {} failed: {}", device.label(), what, e.getMessage());
      }
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the CUDA backend on " + device.label() + " is closed");
    }
  }
}

package dev.gpuagent.bench;

import dev.gpuagent.cpu.Blend;
import dev.gpuagent.cpu.Convolution;
import dev.gpuagent.cpu.CpuTensor;
import dev.gpuagent.cpu.Resample;
import dev.gpuagent.cpu.ResampleMethod;
import dev.gpuagent.engine.Shape;
import dev.gpuagent.gpu.CudaBackend;
import dev.gpuagent.gpu.CudaTensor;
import dev.gpuagent.gpu.Kernels;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.JCudaDriver;

/**
 * {@code gpu-agent bench kernels}: device time of each node's kernels on 4096x4096 images (batch 1
 * and 4), timed with CUDA events on the backend's stream, as achieved bandwidth (bytes the node must
 * read and write / kernel time) and its ratio to the device's measured device-to-device copy
 * bandwidth ({@code cuMemcpyDtoDAsync}, counted as bytes read + written); kernel time of blur radius
 * 1, 10, 31, sharpen and each scale method; and the launch overhead of a tiny kernel through JCuda.
 * The kernels run on device-resident tensors: uploads and downloads are not timed.
 */
public final class KernelBench {
  /** One timed case: the queued work of one node call, and the bytes it must move. */
  private record Case(String label, long bytes, Runnable body) {}

  private final CudaBackend backend;
  private final int side;
  private final double secondsPerCase;
  private final List<CudaTensor> held = new ArrayList<>();

  public KernelBench(CudaBackend backend, int side, double secondsPerCase) {
    this.backend = backend;
    this.side = side;
    this.secondsPerCase = secondsPerCase;
  }

  /** Runs everything; the result maps a case label to its kernel milliseconds. */
  public Map<String, Double> run(BenchReport report, int[] batches) {
    Map<String, Double> millis = new LinkedHashMap<>();
    try {
      double copyGbs = copyBandwidth(report, Math.max(1, batches[batches.length - 1]));
      report.summary("d2d_copy_gb_per_s", copyGbs);
      launchOverhead(report);
      for (int batch : batches) {
        for (Case c : cases(batch)) {
          double ms = time(c.body());
          millis.put(c.label(), ms);
          double gbs = c.bytes() / (ms / 1e3) / 1e9;
          report.row("case", c.label(), "kernel_ms", ms, "gb_per_s", gbs, "of_copy", gbs / copyGbs);
        }
        release();
      }
    } finally {
      release();
    }
    return millis;
  }

  /** Device-to-device copy of a 4096x4096 RGB batch: (read + write) bytes per second, in GB/s. */
  private double copyBandwidth(BenchReport report, int batch) {
    Shape shape = Shape.image(batch, side, side, 3);
    CudaTensor a = hold(backend.allocate(shape));
    CudaTensor b = hold(backend.allocate(shape));
    Kernels.fill(backend, a, 0.5f);
    long bytes = a.bytes();
    double ms = time(() -> JCudaDriver.cuMemcpyDtoDAsync(b.pointer(), a.pointer(), bytes, backend.stream()));
    double gbs = 2.0 * bytes / (ms / 1e3) / 1e9;
    report.row("case", "cuMemcpyDtoD " + label(shape), "kernel_ms", ms, "gb_per_s", gbs, "of_copy", 1.0);
    release();
    return gbs;
  }

  /**
   * A one-element kernel: device time per launch from events around 1,000 back-to-back launches,
   * and host time per launch (the JCuda call, queued without waiting).
   */
  private void launchOverhead(BenchReport report) {
    CudaTensor t = hold(backend.allocate(Shape.mask(1, 1, 1)));
    CudaTensor u = hold(backend.allocate(Shape.mask(1, 1, 1)));
    int n = 1000;
    Runnable tiny = () -> Kernels.copy(backend, t.pointer(), u.pointer(), 1);
    for (int i = 0; i < 100; i++) {
      tiny.run();
    }
    backend.synchronize();
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      tiny.run();
    }
    long queued = System.nanoTime() - t0;
    backend.synchronize();
    long done = System.nanoTime() - t0;
    double deviceMs = timeOnce(() -> {
      for (int i = 0; i < n; i++) {
        tiny.run();
      }
    });
    report.row("case", "launch overhead (ga_copy of 1 float)", "host_us_per_launch", queued / 1e3 / n,
        "wall_us_per_launch", done / 1e3 / n, "device_us_per_launch", deviceMs * 1e3 / n);
    report.summary("launch_us_host", queued / 1e3 / n);
    report.summary("launch_us_device", deviceMs * 1e3 / n);
    release();
  }

  private List<Case> cases(int batch) {
    Shape rgb = Shape.image(batch, side, side, 3);
    Shape mask = Shape.mask(batch, side, side);
    CudaTensor image = hold(random(rgb, 1));
    CudaTensor image2 = hold(random(rgb, 2));
    CudaTensor m = hold(random(mask, 3));
    CudaTensor out = hold(backend.allocate(rgb));
    CudaTensor maskOut = hold(backend.allocate(mask));
    CUdeviceptr tmp = hold(backend.allocate(rgb)).pointer();
    long n = rgb.elements() * 4L;
    long nm = mask.elements() * 4L;
    String s = label(rgb);
    List<Case> cases = new ArrayList<>();
    cases.add(new Case("ImageInvert " + s, 2 * n, () -> Kernels.invert(backend, image, out)));
    cases.add(new Case("InvertMask " + label(mask), 2 * nm, () -> Kernels.invert(backend, m, maskOut)));
    cases.add(new Case("EmptyImage " + s, n, () -> Kernels.fillPixels(backend, out, 0.1f, 0.2f, 0.3f)));
    cases.add(new Case("SolidMask " + label(mask), nm, () -> Kernels.fill(backend, maskOut, 0.5f)));
    cases.add(new Case("ThresholdMask " + label(mask), 2 * nm, () -> Kernels.threshold(backend, m, maskOut, 0.5f)));
    cases.add(new Case("MaskToImage " + label(mask), nm + n, () -> Kernels.maskToImage(backend, m, out)));
    cases.add(new Case("ImageToMask red " + s, n + nm, () -> Kernels.extractChannel(backend, image, maskOut, 0)));
    for (Blend.Mode mode : Blend.Mode.values()) {
      cases.add(new Case("ImageBlend " + mode.comfyName() + " " + s, 3 * n,
          () -> Kernels.blend(backend, image, image2, out, 0.5, mode)));
    }
    cases.add(new Case("ImageCompositeMasked mask " + s, 3 * n + nm,
        () -> Kernels.composite(backend, image, image2, 0, 0, m, out)));
    CudaTensor half = hold(backend.allocate(Shape.image(batch, side / 2, side / 2, 3)));
    cases.add(new Case("ImageCrop half " + s, 2 * half.bytes(), () -> Kernels.crop(backend, image, half, side / 4, side / 4)));
    Shape padded = Shape.image(batch, side / 2 + 128, side / 2 + 128, 3);
    CudaTensor padOut = hold(backend.allocate(padded));
    CudaTensor padMask = hold(backend.allocate(Shape.mask(1, padded.height(), padded.width())));
    cases.add(new Case("ImagePadForOutpaint 64 of half " + s, half.bytes() + padOut.bytes() + padMask.bytes(), () -> {
      Kernels.pad(backend, half, padOut, 64, 64, 0.5f);
      Kernels.outpaintMask(backend, padMask, side / 2, side / 2, 64, 64, 64, 64, 40);
    }));
    CUdeviceptr bytes = tmp;
    cases.add(new Case("SaveImage to_u8 " + s, n + n / 4, () -> Kernels.toU8(backend, image.pointer(), bytes, rgb.elements())));
    for (int r : new int[] {1, 10, 31}) {
      float[] w = Convolution.gaussianWeights(r, 1.0);
      cases.add(new Case("ImageBlur r" + r + " " + s, 4 * n,
          () -> Kernels.separableFilter(backend, image, out, tmp, r, w, false, 0f)));
    }
    for (int r : new int[] {1, 10}) {
      float[] w = Convolution.gaussianWeights(r, 1.0);
      cases.add(new Case("ImageSharpen r" + r + " " + s, 5 * n,
          () -> Kernels.separableFilter(backend, image, out, tmp, r, w, true, 10f)));
    }
    cases.add(new Case("ImageAnisotropicDiffusion 1 step " + s, 2 * n,
        () -> Kernels.diffusionStep(backend, image.pointer(), out.pointer(), rgb, 100f, 0.2f, true)));
    CudaTensor up = hold(backend.allocate(Shape.image(batch, side * 2, side * 2, 3)));
    for (ResampleMethod method : ResampleMethod.values()) {
      if (!Kernels.resizesOnDevice(method)) {
        continue; // Lanczos runs on the host
      }
      cases.add(new Case("ImageScale " + method.comfyName() + " 2x up " + s, n + up.bytes(),
          () -> Kernels.resize(backend, image, Resample.Region.whole(rgb), up, method)));
      cases.add(new Case("ImageScale " + method.comfyName() + " 2x down " + s, n + half.bytes(),
          () -> Kernels.resize(backend, image, Resample.Region.whole(rgb), half, method)));
    }
    return cases;
  }

  /** Median device milliseconds of one call of {@code body}, from events, after a warm-up call. */
  private double time(Runnable body) {
    body.run();
    double first = timeOnce(body);
    int reps = (int) Math.max(3, Math.min(50, secondsPerCase * 1e3 / Math.max(first, 1e-3)));
    double[] samples = new double[reps];
    for (int i = 0; i < reps; i++) {
      samples[i] = timeOnce(body);
    }
    java.util.Arrays.sort(samples);
    return samples[reps / 2];
  }

  private double timeOnce(Runnable body) {
    backend.stream();
    CUevent start = new CUevent();
    CUevent stop = new CUevent();
    JCudaDriver.cuEventCreate(start, CUevent_flags.CU_EVENT_DEFAULT);
    JCudaDriver.cuEventCreate(stop, CUevent_flags.CU_EVENT_DEFAULT);
    try {
      JCudaDriver.cuEventRecord(start, backend.stream());
      body.run();
      JCudaDriver.cuEventRecord(stop, backend.stream());
      JCudaDriver.cuEventSynchronize(stop);
      float[] ms = new float[1];
      JCudaDriver.cuEventElapsedTime(ms, start, stop);
      return ms[0];
    } finally {
      JCudaDriver.cuEventDestroy(start);
      JCudaDriver.cuEventDestroy(stop);
    }
  }

  /** Uniform noise in 0..1, uploaded once per case group. */
  private CudaTensor random(Shape shape, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] data = new float[(int) shape.elements()];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) r.nextDouble();
    }
    return backend.upload(new CpuTensor(shape, data));
  }

  private CudaTensor hold(CudaTensor t) {
    held.add(t);
    return t;
  }

  private void release() {
    backend.synchronize();
    held.forEach(CudaTensor::close);
    held.clear();
  }

  private static String label(Shape s) {
    return s.width() + "x" + s.height() + " b" + s.batch();
  }
}

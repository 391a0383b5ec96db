package dev.gpuagent.gpu;

import dev.gpuagent.cpu.Blend;
import dev.gpuagent.cpu.Resample;
import dev.gpuagent.cpu.ResampleMethod;
import dev.gpuagent.engine.NodeException;
import dev.gpuagent.engine.Shape;
import jcuda.driver.CUdeviceptr;

/**
 * Typed launches of the kernels in native/ (signatures in native/KERNELS.md): each method checks
 * the shapes the kernel relies on, computes the grid and queues the kernel on the backend's stream.
 * Nothing here synchronises. The CPU twins in dev.gpuagent.cpu are the reference for every result.
 */
public final class Kernels {
  /** The largest blur / sharpen radius (GA_MAX_RADIUS). */
  public static final int MAX_RADIUS = 31;
  /** Shared memory one block may use without opting in (48 KB), less the staged taps. */
  private static final int SHARED_BYTES = 48 * 1024 - 4 * (MAX_RADIUS + 1);
  /** Output pixels per block of the horizontal blur pass. */
  private static final int BLUR_TILE = 256;
  /** ga_blur_vertical's tile: 32 columns, 64 rows, blocks of 32 x 8 threads. */
  private static final int VT_COLS = 32;
  private static final int VT_ROWS = 64;
  private static final int VT_THREADS_Y = 8;

  private Kernels() {}

  // ---- element-wise ----

  /** out = 1 - in (ImageInvert, InvertMask). */
  public static void invert(CudaBackend backend, CudaTensor in, CudaTensor out) {
    sameShape(in, out);
    long n = in.shape().elements();
    KernelLaunch.of("ga_invert").ptr(in.pointer()).ptr(out.pointer()).i64(n).flat(backend, (n + 3) / 4);
  }

  /** Every element = value (SolidMask). */
  public static void fill(CudaBackend backend, CudaTensor out, float value) {
    long n = out.shape().elements();
    KernelLaunch.of("ga_fill").ptr(out.pointer()).i64(n).f32(value).flat(backend, (n + 3) / 4);
  }

  /** Every pixel = color (one value per channel, 1 to 4 channels: EmptyImage). */
  public static void fillPixels(CudaBackend backend, CudaTensor out, float... color) {
    int c = out.shape().channels();
    if (color.length != c || c > 4) {
      throw new IllegalArgumentException(color.length + " colour values for " + out.shape());
    }
    float[] v = java.util.Arrays.copyOf(color, 4);
    long n = out.shape().elements();
    KernelLaunch.of("ga_fill_pixels").ptr(out.pointer()).i64(n).i32(c).f32(v[0]).f32(v[1]).f32(v[2])
        .f32(v[3]).flat(backend, n);
  }

  /** out = in > t ? 1 : 0 (ThresholdMask; t already rounded to float as PyTorch does). */
  public static void threshold(CudaBackend backend, CudaTensor in, CudaTensor out, float t) {
    sameShape(in, out);
    long n = in.shape().elements();
    KernelLaunch.of("ga_threshold").ptr(in.pointer()).ptr(out.pointer()).i64(n).f32(t).flat(backend, (n + 3) / 4);
  }

  /** A mask repeated into the three channels of an image (MaskToImage). */
  public static void maskToImage(CudaBackend backend, CudaTensor mask, CudaTensor out) {
    Shape m = mask.shape();
    if (m.channels() != 1 || !out.shape().equals(Shape.image(m.batch(), m.height(), m.width(), 3))) {
      throw new IllegalArgumentException("mask " + m + " into image " + out.shape());
    }
    long pixels = m.elements();
    KernelLaunch.of("ga_mask_to_image").ptr(mask.pointer()).ptr(out.pointer()).i64(pixels)
        .flat(backend, pixels * 3);
  }

  /** One channel of an image as a mask (ImageToMask). */
  public static void extractChannel(CudaBackend backend, CudaTensor image, CudaTensor out, int channel) {
    Shape s = image.shape();
    if (channel < 0 || channel >= s.channels()
        || !out.shape().equals(Shape.mask(s.batch(), s.height(), s.width()))) {
      throw new IllegalArgumentException("channel " + channel + " of " + s + " into " + out.shape());
    }
    long pixels = out.shape().elements();
    KernelLaunch.of("ga_extract_channel").ptr(image.pointer()).ptr(out.pointer()).i64(pixels)
        .i32(s.channels()).i32(channel).flat(backend, pixels);
  }

  /** AlphaFix.fit: the first min(cin, cout) channels copied, the others set to 1. */
  public static void alphaFit(CudaBackend backend, CudaTensor in, CudaTensor out) {
    Shape a = in.shape();
    Shape b = out.shape();
    if (a.batch() != b.batch() || a.height() != b.height() || a.width() != b.width()) {
      throw new IllegalArgumentException("alpha fix of " + a + " into " + b);
    }
    int rows = rows(a);
    int rowOut = rowLength(b);
    KernelLaunch.of("ga_alpha_fit").ptr(in.pointer()).ptr(out.pointer()).i32(rows).i32(a.width())
        .i32(a.channels()).i32(b.channels()).rows(backend, rowOut, rows);
  }

  /** out[i] = clip(255 in[i], 0, 255) truncated, as uint8 (SaveImage's pixels); n elements. */
  public static void toU8(CudaBackend backend, CUdeviceptr in, CUdeviceptr out, long n) {
    KernelLaunch.of("ga_to_u8").ptr(in).ptr(out).i64(n).flat(backend, (n + 3) / 4);
  }

  /** out[i] = in[i] for n floats (benchmarks: launch overhead and kernel copy bandwidth). */
  public static void copy(CudaBackend backend, CUdeviceptr in, CUdeviceptr out, long n) {
    KernelLaunch.of("ga_copy").ptr(in).ptr(out).i64(n).flat(backend, n);
  }

  // ---- two images ----

  /**
   * Blend.blend: same height, width and channels; batches equal or one of them 1 (broadcast), the
   * output having the larger batch.
   */
  public static void blend(CudaBackend backend, CudaTensor a, CudaTensor b, CudaTensor out, double factor,
      Blend.Mode mode) {
    Shape sa = a.shape();
    Shape sb = b.shape();
    if (sa.height() != sb.height() || sa.width() != sb.width() || sa.channels() != sb.channels()) {
      throw new IllegalArgumentException("blend needs equal image shapes, got " + sa + " and " + sb);
    }
    int batch = Math.max(sa.batch(), sb.batch());
    if ((sa.batch() != batch && sa.batch() != 1) || (sb.batch() != batch && sb.batch() != 1)) {
      throw new NodeException("cannot blend a batch of " + sa.batch() + " images with a batch of " + sb.batch()
          + "; the batch sizes must match or one of them must be 1");
    }
    if (!out.shape().equals(new Shape(batch, sa.height(), sa.width(), sa.channels()))) {
      throw new IllegalArgumentException("blend output " + out.shape());
    }
    long perImage = sa.elements() / sa.batch();
    KernelLaunch.of("ga_blend").ptr(a.pointer()).ptr(b.pointer()).ptr(out.pointer()).i32(batch)
        .i32(sa.batch()).i32(sb.batch()).i64(perImage).f32((float) (1 - factor)).f32((float) factor)
        .i32(mode.ordinal())
        .grid(backend, KernelLaunch.flatBlocks((perImage + 3) / 4), KernelLaunch.capYz(batch), 1,
            KernelLaunch.BLOCK, 1, 0);
  }

  /**
   * Composite.composite: the source at (x, y) over a copy of the destination, weighted by the
   * optional mask ({@code [mb, source height, source width, 1]}).
   */
  public static void composite(CudaBackend backend, CudaTensor destination, CudaTensor source, int x, int y,
      CudaTensor mask, CudaTensor out) {
    Shape d = destination.shape();
    Shape s = source.shape();
    if (s.channels() != d.channels() || !out.shape().equals(d)) {
      throw new IllegalArgumentException("composite of " + s + " onto " + d + " into " + out.shape());
    }
    if (mask != null && (mask.shape().height() != s.height() || mask.shape().width() != s.width()
        || mask.shape().channels() != 1)) {
      throw new IllegalArgumentException("mask " + mask.shape() + " does not fit source " + s);
    }
    if (x < 0 || y < 0) {
      throw new IllegalArgumentException("offsets must be at least 0, got " + x + ", " + y);
    }
    int left = Math.min(x, d.width());
    int top = Math.min(y, d.height());
    int right = Math.min(left + s.width(), d.width());
    int bottom = Math.min(top + s.height(), d.height());
    int rows = rows(d);
    KernelLaunch.of("ga_composite").ptr(destination.pointer()).ptr(source.pointer())
        .ptr(mask == null ? null : mask.pointer()).ptr(out.pointer()).i32(d.batch()).i32(d.height())
        .i32(d.width()).i32(d.channels()).i32(s.height()).i32(s.width()).i32(s.batch())
        .i32(mask == null ? 1 : mask.shape().batch()).i32(left).i32(top).i32(right).i32(bottom)
        .rows(backend, rowLength(d), rows);
  }

  // ---- layout ----

  /** Layout.crop: the out-sized region at (x, y), already clipped to the image. */
  public static void crop(CudaBackend backend, CudaTensor in, CudaTensor out, int x, int y) {
    Shape s = in.shape();
    Shape o = out.shape();
    if (x < 0 || y < 0 || o.batch() != s.batch() || o.channels() != s.channels()
        || x + o.width() > s.width() || y + o.height() > s.height()) {
      throw new IllegalArgumentException("crop " + o + "+" + x + "+" + y + " outside " + s);
    }
    KernelLaunch.of("ga_crop").ptr(in.pointer()).ptr(out.pointer()).i32(s.batch()).i32(s.height())
        .i32(s.width()).i32(s.channels()).i32(x).i32(y).i32(o.height()).i32(o.width())
        .rows(backend, rowLength(o), rows(o));
  }

  /** Layout.pad: the image at (left, top) of the larger out, the margins set to fill. */
  public static void pad(CudaBackend backend, CudaTensor in, CudaTensor out, int left, int top, float fill) {
    Shape s = in.shape();
    Shape o = out.shape();
    if (left < 0 || top < 0 || o.batch() != s.batch() || o.channels() != s.channels()
        || left + s.width() > o.width() || top + s.height() > o.height()) {
      throw new IllegalArgumentException("pad " + s + " at " + left + "," + top + " into " + o);
    }
    KernelLaunch.of("ga_pad").ptr(in.pointer()).ptr(out.pointer()).i32(s.batch()).i32(s.height())
        .i32(s.width()).i32(s.channels()).i32(left).i32(top).i32(o.height()).i32(o.width()).f32(fill)
        .rows(backend, rowLength(o), rows(o));
  }

  /** Layout.outpaintMask into out {@code [1, h + top + bottom, w + left + right, 1]}. */
  public static void outpaintMask(CudaBackend backend, CudaTensor out, int h, int w, int left, int top,
      int right, int bottom, int feathering) {
    if (!out.shape().equals(Shape.mask(1, h + top + bottom, w + left + right))) {
      throw new IllegalArgumentException("outpaint mask " + out.shape());
    }
    boolean feather = feathering > 0 && 2L * feathering < h && 2L * feathering < w;
    KernelLaunch.of("ga_outpaint_mask").ptr(out.pointer()).i32(h).i32(w).i32(left).i32(top).i32(right)
        .i32(bottom).i32(feathering).i32(feather ? 1 : 0)
        .rows(backend, w + left + right, h + top + bottom);
  }

  // ---- resampling ----

  /** Whether {@link #resize} runs the method on the device (Lanczos runs on the host). */
  public static boolean resizesOnDevice(ResampleMethod method) {
    return method != ResampleMethod.LANCZOS;
  }

  /**
   * Resample.resize of {@code region} of every image of {@code in} to out's height and width, for
   * every method but Lanczos (Pillow's 8-bit filter stays on the host: see native/KERNELS.md).
   */
  public static void resize(CudaBackend backend, CudaTensor in, Resample.Region region, CudaTensor out,
      ResampleMethod method) {
    Shape s = in.shape();
    Shape o = out.shape();
    if (region.isEmpty() || region.y() < 0 || region.x() < 0 || region.y() + region.height() > s.height()
        || region.x() + region.width() > s.width()) {
      throw new IllegalArgumentException("region " + region + " is not inside " + s);
    }
    if (o.batch() != s.batch() || o.channels() != s.channels()) {
      throw new IllegalArgumentException("resize of " + s + " into " + o);
    }
    String kernel = switch (method) {
      case NEAREST_EXACT -> "ga_resize_nearest";
      case BILINEAR, BICUBIC -> "ga_resize_separable";
      case AREA -> "ga_resize_area";
      case LANCZOS -> throw new IllegalArgumentException("Lanczos resizes on the host");
    };
    KernelLaunch launch = KernelLaunch.of(kernel).ptr(in.pointer()).ptr(out.pointer()).i32(s.batch())
        .i32(s.height()).i32(s.width()).i32(s.channels()).i32(region.y()).i32(region.x())
        .i32(region.height()).i32(region.width()).i32(o.height()).i32(o.width());
    if (method == ResampleMethod.BILINEAR || method == ResampleMethod.BICUBIC) {
      launch.i32(method == ResampleMethod.BILINEAR ? 2 : 4).i32(o.height() < region.height() ? 1 : 0);
    } else if (method == ResampleMethod.AREA) {
      launch.i32(singlePixelWindows(region.height(), o.height())
          && singlePixelWindows(region.width(), o.width()) ? 1 : 0);
    }
    launch.rows(backend, rowLength(o), rows(o));
  }

  /** Whether every adaptive-average window along an axis is one source pixel (AreaResize's gather). */
  static boolean singlePixelWindows(int in, int out) {
    for (int o = 0; o < out; o++) {
      long start = (long) o * in / out;
      long end = ((long) (o + 1) * in + out - 1) / out;
      if (end - start != 1) {
        return false;
      }
    }
    return true;
  }

  // ---- filters ----

  /**
   * Convolution.gaussianBlur (sharpen false) or Convolution.sharpen (amount = 10 alpha): a vertical
   * pass into {@code tmp} (a device buffer of in's size) and a horizontal pass into out.
   *
   * @param weights the full normalised 1-D kernel of 2 radius + 1 taps
   */
  public static void separableFilter(CudaBackend backend, CudaTensor in, CudaTensor out, CUdeviceptr tmp,
      int radius, float[] weights, boolean sharpen, float amount) {
    sameShape(in, out);
    if (radius < 1 || radius > MAX_RADIUS || weights.length != 2 * radius + 1) {
      throw new IllegalArgumentException("radius " + radius + " with " + weights.length + " weights");
    }
    Shape s = in.shape();
    int c = s.channels();
    int tile = Math.min(BLUR_TILE, SHARED_BYTES / (Float.BYTES * c) - 2 * radius);
    if (tile < 1) {
      throw new NodeException("the GPU filter handles images of up to "
          + SHARED_BYTES / (Float.BYTES * (2 * MAX_RADIUS + 1)) + " channels, got " + c);
    }
    float[] taps = new float[MAX_RADIUS + 1];
    System.arraycopy(weights, radius, taps, 0, radius + 1);
    int rowLen = rowLength(s);
    rows(s);
    KernelLaunch.of("ga_blur_vertical").ptr(in.pointer()).ptr(tmp).i32(s.batch()).i32(s.height())
        .i32(rowLen).i32(radius).floats(taps).i32(sharpen ? 1 : 0)
        .grid(backend, (rowLen + VT_COLS - 1) / VT_COLS,
            KernelLaunch.capYz((s.height() + VT_ROWS - 1) / VT_ROWS), KernelLaunch.capYz(s.batch()),
            VT_COLS, VT_THREADS_Y, 0);
    int shared = (tile + 2 * radius) * c * Float.BYTES;
    KernelLaunch.of("ga_blur_horizontal").ptr(tmp).ptr(in.pointer()).ptr(out.pointer()).i32(s.batch())
        .i32(s.height()).i32(s.width()).i32(c).i32(radius).floats(taps).i32(tile).i32(sharpen ? 1 : 0)
        .f32(amount)
        .grid(backend, (s.width() + tile - 1) / tile, KernelLaunch.capYz(s.height()),
            KernelLaunch.capYz(s.batch()), KernelLaunch.BLOCK, 1, shared);
  }

  /**
   * One Perona-Malik step (Diffusion.peronaMalik) from src to dst, both of {@code shape}.
   *
   * @param invKappa2 {@code (float) (1 / kappa^2)}
   */
  public static void diffusionStep(CudaBackend backend, CUdeviceptr src, CUdeviceptr dst, Shape shape,
      float invKappa2, float lambda, boolean exponential) {
    KernelLaunch.of("ga_diffusion_step").ptr(src).ptr(dst).i32(shape.batch()).i32(shape.height())
        .i32(shape.width()).i32(shape.channels()).f32(invKappa2).f32(lambda).i32(exponential ? 1 : 0)
        .rows(backend, rowLength(shape), rows(shape));
  }

  // ---- shape helpers ----

  private static void sameShape(CudaTensor in, CudaTensor out) {
    if (!in.shape().equals(out.shape())) {
      throw new IllegalArgumentException("output " + out.shape() + " differs from input " + in.shape());
    }
  }

  /** Elements of one row (W * C); the kernels index rows with 32-bit integers. */
  static int rowLength(Shape s) {
    long n = (long) s.width() * s.channels();
    if (n > Integer.MAX_VALUE) {
      throw new NodeException("rows of " + n + " values are more than the GPU kernels index: " + s);
    }
    return (int) n;
  }

  /** Rows of all images (B * H); the kernels index them with 32-bit integers. */
  static int rows(Shape s) {
    long n = (long) s.batch() * s.height();
    if (n > Integer.MAX_VALUE) {
      throw new NodeException(n + " rows are more than the GPU kernels index: " + s);
    }
    return (int) n;
  }
}

package dev.gpuagent.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gpuagent.cpu.CpuTensor;
import dev.gpuagent.cpu.PngEncoder;
import dev.gpuagent.engine.Backend;
import dev.gpuagent.engine.NodeException;
import dev.gpuagent.engine.NodeInvocation;
import dev.gpuagent.engine.OutputFile;
import dev.gpuagent.engine.OutputSink;
import dev.gpuagent.engine.RunContext;
import dev.gpuagent.engine.Shape;
import dev.gpuagent.engine.Tensor;
import dev.gpuagent.gpu.CudaBackend;
import dev.gpuagent.gpu.CudaTensor;
import dev.gpuagent.gpu.GpuUnavailableException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every node on the CUDA backend against the CPU backend, on random and edge inputs (1x1, odd sizes,
 * batches, RGBA, every mode and method): element-wise nodes within 1 ulp, filters and resampling
 * within 1e-5 absolute. Skips, saying why, where no usable CUDA device exists
 * ({@code ./mvnw test -Dgroups=gpu -DexcludedGroups=} runs it).
 */
@Tag("gpu")
class CudaParityTest {
  private static final double FILTER_TOLERANCE = 1e-5;
  private static final NodeRegistry REGISTRY = NodeRegistry.standard();

  private static CudaBackend gpu;
  private static String unavailable;

  /** How outputs must agree. */
  enum Agreement {
    /** Within one unit in the last place (NaN matching NaN). */
    ULP,
    /** Within {@link #FILTER_TOLERANCE} absolute. */
    ABSOLUTE
  }

  @BeforeAll
  static void openDevice() {
    try {
      gpu = CudaBackend.open(0);
    } catch (GpuUnavailableException e) {
      unavailable = e.getMessage();
    } catch (LinkageError | RuntimeException e) {
      unavailable = e.toString();
    }
    if (gpu == null) {
      System.out.println("CudaParityTest skipped: no CUDA device (" + unavailable + ")");
    }
  }

  @AfterAll
  static void closeDevice() {
    if (gpu != null) {
      gpu.close();
    }
  }

  @BeforeEach
  void requireDevice() {
    assumeTrue(gpu != null, () -> "skipped: no CUDA device (" + unavailable + ")");
  }

  // ---- the cases ----

  static Stream<Arguments> elementWise() {
    List<Arguments> cases = new ArrayList<>();
    for (Shape s : List.of(new Shape(1, 1, 1, 3), new Shape(2, 7, 5, 3), new Shape(1, 33, 17, 4),
        new Shape(3, 64, 61, 3))) {
      cases.add(Arguments.of("ImageInvert " + s, "ImageInvert", new Object[] {"image", edgy(s, 1)}));
    }
    for (Shape s : List.of(Shape.mask(1, 1, 1), Shape.mask(3, 5, 9), Shape.mask(2, 129, 65))) {
      cases.add(Arguments.of("InvertMask " + s, "InvertMask", new Object[] {"mask", edgy(s, 2)}));
      for (double t : new double[] {0.0, 0.1, 0.5, 1.0}) {
        cases.add(Arguments.of("ThresholdMask " + t + " " + s, "ThresholdMask",
            new Object[] {"mask", edgy(s, 3), "value", t}));
      }
      cases.add(Arguments.of("MaskToImage " + s, "MaskToImage", new Object[] {"mask", edgy(s, 4)}));
    }
    for (String channel : MaskNodes.CHANNELS) {
      cases.add(Arguments.of("ImageToMask " + channel, "ImageToMask",
          new Object[] {"image", edgy(new Shape(2, 9, 7, 4), 5), "channel", channel}));
    }
    cases.add(Arguments.of("EmptyImage 1x1", "EmptyImage",
        new Object[] {"width", 1L, "height", 1L, "batch_size", 1L, "color", 0L}));
    cases.add(Arguments.of("EmptyImage 7x5 batch 3", "EmptyImage",
        new Object[] {"width", 7L, "height", 5L, "batch_size", 3L, "color", 0x12AB7FL}));
    cases.add(Arguments.of("SolidMask 1x1", "SolidMask", new Object[] {"value", 0.37, "width", 1L, "height", 1L}));
    cases.add(Arguments.of("SolidMask 33x17", "SolidMask", new Object[] {"value", 1.0, "width", 33L, "height", 17L}));
    for (String mode : List.of("normal", "multiply", "screen", "overlay", "soft_light", "difference")) {
      Shape s = new Shape(2, 19, 23, 3);
      cases.add(Arguments.of("ImageBlend " + mode, "ImageBlend", new Object[] {"image1", edgy(s, 6),
          "image2", edgy(s, 7), "blend_factor", 0.37, "blend_mode", mode}));
      cases.add(Arguments.of("ImageBlend " + mode + " broadcast 1x1", "ImageBlend", new Object[] {
          "image1", edgy(new Shape(3, 1, 1, 4), 8), "image2", edgy(new Shape(1, 1, 1, 4), 9),
          "blend_factor", 1.0, "blend_mode", mode}));
    }
    for (int[] crop : new int[][] {{0, 0, 1, 1}, {3, 2, 5, 4}, {20, 30, 512, 512}, {100, 100, 1, 1}}) {
      cases.add(Arguments.of("ImageCrop " + java.util.Arrays.toString(crop), "ImageCrop", new Object[] {
          "image", edgy(new Shape(2, 37, 29, 3), 10), "x", (long) crop[0], "y", (long) crop[1],
          "width", (long) crop[2], "height", (long) crop[3]}));
    }
    for (int[] m : new int[][] {{0, 0, 0, 0, 0}, {8, 0, 0, 0, 40}, {3, 5, 7, 2, 4}, {1, 1, 1, 1, 1}, {0, 16, 0, 16, 3}}) {
      for (Shape s : List.of(new Shape(1, 1, 1, 3), new Shape(2, 17, 12, 4))) {
        cases.add(Arguments.of("ImagePadForOutpaint " + java.util.Arrays.toString(m) + " " + s,
            "ImagePadForOutpaint", new Object[] {"image", edgy(s, 11), "left", (long) m[0], "top", (long) m[1],
                "right", (long) m[2], "bottom", (long) m[3], "feathering", (long) m[4]}));
      }
    }
    CpuTensor dst = edgy(new Shape(2, 21, 19, 3), 12);
    cases.add(Arguments.of("ImageCompositeMasked no mask", "ImageCompositeMasked", new Object[] {
        "destination", dst, "source", edgy(new Shape(3, 8, 6, 3), 13), "x", 4L, "y", 15L,
        "resize_source", false}));
    cases.add(Arguments.of("ImageCompositeMasked mask", "ImageCompositeMasked", new Object[] {
        "destination", dst, "source", edgy(new Shape(1, 8, 6, 3), 14), "x", 16L, "y", 2L,
        "resize_source", false, "mask", random(Shape.mask(2, 8, 6), 15)}));
    cases.add(Arguments.of("ImageCompositeMasked outside", "ImageCompositeMasked", new Object[] {
        "destination", dst, "source", edgy(new Shape(1, 8, 6, 3), 16), "x", 500L, "y", 500L,
        "resize_source", false}));
    return cases.stream();
  }

  static Stream<Arguments> resampling() {
    List<Arguments> cases = new ArrayList<>();
    List<Shape> sources = List.of(new Shape(1, 1, 1, 3), new Shape(2, 13, 9, 3), new Shape(1, 40, 64, 4),
        Shape.mask(1, 31, 17));
    int[][] sizes = {{1, 1}, {9, 13}, {26, 18}, {7, 5}, {128, 3}, {0, 24}};
    for (String method : List.of("nearest-exact", "bilinear", "area", "bicubic", "lanczos")) {
      for (Shape s : sources) {
        for (int[] size : sizes) {
          for (String crop : List.of("disabled", "center")) {
            cases.add(Arguments.of("ImageScale " + method + " " + s + " to " + size[0] + "x" + size[1] + " " + crop,
                "ImageScale", new Object[] {"image", random(s, 20), "upscale_method", method,
                    "width", (long) size[0], "height", (long) size[1], "crop", crop}));
          }
        }
      }
      for (double f : new double[] {0.5, 0.33, 2.0, 3.7}) {
        cases.add(Arguments.of("ImageScaleBy " + method + " " + f, "ImageScaleBy", new Object[] {
            "image", random(new Shape(2, 29, 31, 3), 21), "upscale_method", method, "scale_by", f}));
      }
    }
    for (String mode : List.of("normal", "overlay", "soft_light")) {
      cases.add(Arguments.of("ImageBlend " + mode + " resized RGB onto RGBA", "ImageBlend", new Object[] {
          "image1", random(new Shape(2, 24, 20, 4), 22), "image2", random(new Shape(1, 11, 30, 3), 23),
          "blend_factor", 0.6, "blend_mode", mode}));
    }
    CpuTensor dst = random(new Shape(2, 21, 19, 4), 24);
    cases.add(Arguments.of("ImageCompositeMasked resize_source, RGB onto RGBA", "ImageCompositeMasked",
        new Object[] {"destination", dst, "source", random(new Shape(1, 8, 6, 3), 25), "x", 3L, "y", 1L,
            "resize_source", true}));
    cases.add(Arguments.of("ImageCompositeMasked resized mask", "ImageCompositeMasked", new Object[] {
        "destination", dst, "source", random(new Shape(2, 9, 13, 4), 26), "x", 0L, "y", 0L,
        "resize_source", false, "mask", random(Shape.mask(1, 4, 5), 27)}));
    return cases.stream();
  }

  static Stream<Arguments> filters() {
    List<Arguments> cases = new ArrayList<>();
    List<Shape> shapes = List.of(new Shape(1, 1, 1, 3), new Shape(1, 2, 3, 3), new Shape(2, 17, 13, 3),
        new Shape(1, 70, 300, 4), new Shape(1, 5, 129, 1));
    for (Shape s : shapes) {
      for (int r : new int[] {1, 3, 31}) {
        for (double sigma : new double[] {0.1, 1.0, 10.0}) {
          cases.add(Arguments.of("ImageBlur r" + r + " sigma " + sigma + " " + s, "ImageBlur", new Object[] {
              "image", random(s, 30 + r), "blur_radius", (long) r, "sigma", sigma}));
        }
        for (double alpha : new double[] {0.0, 1.0, 5.0}) {
          cases.add(Arguments.of("ImageSharpen r" + r + " alpha " + alpha + " " + s, "ImageSharpen",
              new Object[] {"image", random(s, 40 + r), "sharpen_radius", (long) r, "sigma", 1.0, "alpha", alpha}));
        }
      }
      for (String conduction : FilterNodes.CONDUCTIONS) {
        for (long steps : new long[] {1, 2, 7, 20}) {
          cases.add(Arguments.of("ImageAnisotropicDiffusion " + conduction + " " + steps + " " + s,
              "ImageAnisotropicDiffusion", new Object[] {"image", random(s, 50), "steps", steps, "kappa", 0.1,
                  "lambda", 0.25, "conduction", conduction}));
        }
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("elementWise")
  void elementWiseNodesAgreeWithinOneUlp(String label, String type, Object[] args) throws Exception {
    compare(type, Agreement.ULP, args);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("resampling")
  void resamplingNodesAgreeWithinTolerance(String label, String type, Object[] args) throws Exception {
    compare(type, Agreement.ABSOLUTE, args);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("filters")
  void filterNodesAgreeWithinTolerance(String label, String type, Object[] args) throws Exception {
    compare(type, Agreement.ABSOLUTE, args);
  }

  @Test
  void saveImageWritesTheSamePngBytes() throws Exception {
    CpuTensor images = edgy(new Shape(2, 19, 23, 4), 60);
    for (String type : List.of("SaveImage", "PreviewImage")) {
      List<byte[]> cpuFiles = new ArrayList<>();
      List<byte[]> gpuFiles = new ArrayList<>();
      run(NodeHarness.CPU, type, capture(cpuFiles), "images", images, "filename_prefix", "x");
      runOnGpu(type, capture(gpuFiles), "images", images, "filename_prefix", "x");
      assertEquals(2, gpuFiles.size());
      for (int i = 0; i < cpuFiles.size(); i++) {
        assertArrayEquals(cpuFiles.get(i), gpuFiles.get(i), type + " image " + i);
      }
    }
  }

  @Test
  void loadImageDecodesOnTheHostAndUploads() throws Exception {
    byte[] png = PngEncoder.encode(random(new Shape(1, 13, 11, 4), 61), 0, 1, Map.of(), NodeHarness.CPU.parallel());
    String url = "data:image/png;base64," + java.util.Base64.getEncoder().encodeToString(png);
    Object[] cpu = run(NodeHarness.CPU, "LoadImage", OutputSink.discard(), "image", url);
    Object[] device = runOnGpu("LoadImage", OutputSink.discard(), "image", url);
    for (int i = 0; i < 2; i++) {
      assertClose(CpuTensor.of((Tensor) cpu[i]), download(device[i]), Agreement.ULP, "output " + i);
    }
  }

  @Test
  void bothBackendsRejectTheSameBadInputs() {
    Object[] args = {"image1", random(new Shape(2, 4, 4, 3), 1), "image2", random(new Shape(3, 4, 4, 3), 2),
        "blend_factor", 0.5, "blend_mode", "normal"};
    NodeException cpu = expectNodeException(() -> run(NodeHarness.CPU, "ImageBlend", OutputSink.discard(), args));
    NodeException device = expectNodeException(() -> runOnGpu("ImageBlend", OutputSink.discard(), args));
    assertEquals(cpu.getMessage(), device.getMessage());
    Object[] mask = {"image", random(new Shape(1, 4, 4, 3), 3), "channel", "alpha"};
    assertEquals(expectNodeException(() -> run(NodeHarness.CPU, "ImageToMask", OutputSink.discard(), mask)).getMessage(),
        expectNodeException(() -> runOnGpu("ImageToMask", OutputSink.discard(), mask)).getMessage());
  }

  // ---- running both backends ----

  private void compare(String type, Agreement agreement, Object[] args) throws Exception {
    Object[] expected = run(NodeHarness.CPU, type, OutputSink.discard(), args);
    Object[] actual = runOnGpu(type, OutputSink.discard(), args);
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      if (expected[i] instanceof Tensor t) {
        assertClose(CpuTensor.of(t), download(actual[i]), agreement, type + " output " + i);
      } else {
        assertEquals(expected[i], actual[i], type + " output " + i);
      }
    }
  }

  private static Object[] runOnGpu(String type, OutputSink sink, Object... args) throws Exception {
    Object[] onDevice = args.clone();
    List<CudaTensor> uploaded = new ArrayList<>();
    for (int i = 1; i < onDevice.length; i += 2) {
      if (onDevice[i] instanceof CpuTensor host) {
        CudaTensor t = gpu.upload(host);
        uploaded.add(t);
        onDevice[i] = t;
      }
    }
    gpu.beginNode();
    try {
      Object[] out = run(gpu, type, sink, onDevice);
      Object[] copies = out.clone();
      for (int i = 0; i < out.length; i++) {
        if (out[i] instanceof CudaTensor t) {
          copies[i] = gpu.download(t);
          if (!uploaded.contains(t)) {
            t.close();
          }
        }
      }
      return copies;
    } finally {
      gpu.endNode(); // releases the node's scratch buffers, as the executor does
      uploaded.forEach(CudaTensor::close);
    }
  }

  private static Object[] run(Backend backend, String type, OutputSink sink, Object... args) throws Exception {
    Map<String, Object> values = new HashMap<>();
    for (int i = 0; i < args.length; i += 2) {
      values.put((String) args[i], args[i + 1]);
    }
    NodeDefinition def = REGISTRY.definition(type).orElseThrow();
    RunContext run = new RunContext("parity", backend, null, null, sink, null, null,
        new ObjectMapper().createObjectNode().put("test", "parity"));
    return def.implementation(backend.kind()).orElseThrow(() -> new AssertionError(type + " has no "
        + backend.kind() + " implementation")).execute(NodeInvocation.of(def.schema(), values, run));
  }

  private static CpuTensor download(Object output) {
    return output instanceof CpuTensor host ? host : assertInstanceOf(CpuTensor.class, output);
  }

  private static OutputSink capture(List<byte[]> files) {
    return (prefix, extension, type, data) -> {
      files.add(data);
      return new OutputFile(prefix + "_" + files.size() + "." + extension, "", type, null);
    };
  }

  private static NodeException expectNodeException(Executable body) {
    try {
      body.run();
    } catch (NodeException e) {
      return e;
    } catch (Exception e) {
      fail("expected a NodeException, got " + e);
    }
    return fail("expected a NodeException");
  }

  @FunctionalInterface
  private interface Executable {
    void run() throws Exception;
  }

  // ---- comparison and inputs ----

  static void assertClose(CpuTensor expected, CpuTensor actual, Agreement agreement, String what) {
    assertEquals(expected.shape(), actual.shape(), what + ": shape");
    float[] e = expected.data();
    float[] a = actual.data();
    for (int i = 0; i < e.length; i++) {
      boolean ok;
      if (Float.isNaN(e[i]) || Float.isNaN(a[i])) {
        ok = Float.isNaN(e[i]) && Float.isNaN(a[i]);
      } else if (agreement == Agreement.ULP) {
        ok = e[i] == a[i] || Math.abs(e[i] - a[i]) <= Math.ulp(Math.max(Math.abs(e[i]), Math.abs(a[i])));
      } else {
        ok = Math.abs(e[i] - a[i]) <= FILTER_TOLERANCE;
      }
      if (!ok) {
        fail(what + ": element " + i + " of " + expected.shape() + ": CPU " + e[i] + ", GPU " + a[i]);
      }
    }
  }

  static CpuTensor random(Shape s, long seed) {
    return NodeHarness.random(seed, s.batch(), s.height(), s.width(), s.channels());
  }

  /** Random values in 0..1 with edge values mixed in: 0, 1, -0, 0.5, 0.25, values just outside 0..1. */
  static CpuTensor edgy(Shape s, long seed) {
    float[] special = {0f, 1f, -0f, 0.5f, 0.25f, 0.1f, -0.01f, 1.01f, Math.nextUp(0.5f), Math.nextDown(0.25f)};
    CpuTensor t = random(s, seed);
    SplittableRandom r = new SplittableRandom(seed + 1000);
    float[] d = t.data();
    for (int i = 0; i < d.length; i++) {
      if (r.nextInt(4) == 0) {
        d[i] = special[r.nextInt(special.length)];
      }
    }
    return t;
  }
}

package dev.gpuagent.ops;

import static dev.gpuagent.ops.NodeHarness.assertClose;
import static dev.gpuagent.ops.NodeHarness.filled;
import static dev.gpuagent.ops.NodeHarness.random;
import static dev.gpuagent.ops.NodeHarness.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gpuagent.cpu.CpuTensor;
import dev.gpuagent.engine.CancelToken;
import dev.gpuagent.engine.Executor;
import dev.gpuagent.engine.InputResolver;
import dev.gpuagent.engine.NodeException;
import dev.gpuagent.engine.OutputSink;
import dev.gpuagent.engine.RunContext;
import dev.gpuagent.engine.RunEvent;
import dev.gpuagent.engine.RunResult;
import dev.gpuagent.engine.RunStatus;
import dev.gpuagent.engine.RunStoppedException;
import dev.gpuagent.engine.Tensor;
import dev.gpuagent.workflow.InputSpec;
import dev.gpuagent.workflow.NodeSchema;
import dev.gpuagent.workflow.Types;
import dev.gpuagent.workflow.Validation;
import dev.gpuagent.workflow.Validator;
import dev.gpuagent.workflow.WorkflowLimits;
import dev.gpuagent.workflow.WorkflowParser;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageAnisotropicDiffusionTest {
  private static CpuTensor diffuse(CpuTensor image, int steps, double kappa, double lambda, String conduction)
      throws Exception {
    return NodeHarness.image("ImageAnisotropicDiffusion", "image", image, "steps", steps, "kappa", kappa,
        "lambda", lambda, "conduction", conduction);
  }

  /** The scheme written out per pixel and neighbour, in double: no shared fluxes, no buffers reuse. */
  private static CpuTensor naive(CpuTensor image, int steps, double kappa, double lambda, String conduction) {
    int b = image.batch();
    int h = image.height();
    int w = image.width();
    int c = image.channels();
    double[][][][] cur = new double[b][h][w][c];
    for (int n = 0; n < b; n++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          for (int ch = 0; ch < c; ch++) {
            cur[n][y][x][ch] = image.get(n, y, x, ch);
          }
        }
      }
    }
    int[][] neighbours = {{-1, 0}, {1, 0}, {0, -1}, {0, 1}};
    for (int s = 0; s < steps; s++) {
      double[][][][] next = new double[b][h][w][c];
      for (int n = 0; n < b; n++) {
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < w; x++) {
            for (int ch = 0; ch < c; ch++) {
              double p = cur[n][y][x][ch];
              double sum = 0;
              for (int[] d : neighbours) {
                int ny = y + d[0];
                int nx = x + d[1];
                if (ny < 0 || ny >= h || nx < 0 || nx >= w) {
                  continue; // Neumann: no difference across the border
                }
                double diff = cur[n][ny][nx][ch] - p;
                double q = (diff / kappa) * (diff / kappa);
                double g = conduction.equals("exponential") ? Math.exp(-q) : 1 / (1 + q);
                sum += g * diff;
              }
              next[n][y][x][ch] = p + lambda * sum;
            }
          }
        }
      }
      cur = next;
    }
    float[] out = new float[image.data().length];
    int o = 0;
    for (double[][][] img : cur) {
      for (double[][] row : img) {
        for (double[] px : row) {
          for (double v : px) {
            out[o++] = (float) v;
          }
        }
      }
    }
    return new CpuTensor(image.shape(), out);
  }

  @ParameterizedTest
  @ValueSource(strings = {"exponential", "quadratic"})
  void matchesTheFourNeighbourSchemeOnOddSizedBatch(String conduction) throws Exception {
    CpuTensor image = random(31, 3, 5, 7, 3);
    assertClose(naive(image, 20, 0.1, 0.2, conduction), diffuse(image, 20, 0.1, 0.2, conduction), 1e-5);
  }

  @ParameterizedTest
  @ValueSource(strings = {"exponential", "quadratic"})
  void matchesTheFourNeighbourSchemeOnRgbaAcrossThreads(String conduction) throws Exception {
    CpuTensor image = random(32, 2, 41, 37, 4);
    assertClose(naive(image, 7, 0.3, 0.25, conduction), diffuse(image, 7, 0.3, 0.25, conduction), 1e-5);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3})
  void oddAndEvenStepCountsEndInTheOutput(int steps) throws Exception {
    CpuTensor image = random(33, 1, 4, 6, 3);
    assertClose(naive(image, steps, 0.5, 0.1, "quadratic"), diffuse(image, steps, 0.5, 0.1, "quadratic"), 1e-6);
  }

  @Test
  void oneStepOfTwoPixelsByHand() throws Exception {
    // d = 1 between the pixels, g = exp(-(1/1)^2): each moves lambda * g * d towards the other
    double flux = 0.25 * Math.exp(-1);
    CpuTensor out = diffuse(tensor(1, 1, 2, 1, 0f, 1f), 1, 1.0, 0.25, "exponential");
    assertClose(new float[] {(float) flux, (float) (1 - flux)}, out.data(), 1e-7);
    double quadratic = 0.25 * 0.5 * 0.5; // d = 0.5, kappa 0.5: g = 1 / (1 + 1)
    CpuTensor q = diffuse(tensor(1, 2, 1, 1, 0.25f, 0.75f), 1, 0.5, 0.25, "quadratic");
    assertClose(new float[] {(float) (0.25 + quadratic), (float) (0.75 - quadratic)}, q.data(), 1e-7);
  }

  @ParameterizedTest
  @ValueSource(strings = {"exponential", "quadratic"})
  void constantImageStaysConstant(String conduction) throws Exception {
    CpuTensor image = filled(2, 9, 5, 3, 0.42f);
    assertArrayEquals(image.data(), diffuse(image, 50, 0.05, 0.25, conduction).data());
  }

  @Test
  void lambdaZeroIsIdentity() throws Exception {
    CpuTensor image = random(34, 2, 6, 5, 3);
    assertArrayEquals(image.data(), diffuse(image, 10, 0.1, 0.0, "exponential").data());
  }

  @Test
  void onePixelImageIsUnchanged() throws Exception {
    CpuTensor image = tensor(1, 1, 1, 4, 0.1f, 0.2f, 0.3f, 0.4f);
    assertArrayEquals(image.data(), diffuse(image, 5, 0.1, 0.25, "quadratic").data());
  }

  @Test
  void inputIsLeftUntouched() throws Exception {
    CpuTensor image = random(35, 1, 8, 8, 3);
    float[] before = image.data().clone();
    diffuse(image, 4, 0.1, 0.2, "exponential");
    assertArrayEquals(before, image.data());
  }

  @Test
  void impossibleParametersFailWithAClearMessage() {
    CpuTensor image = random(36, 1, 3, 3, 3);
    NodeException lambda = assertThrows(NodeException.class, () -> diffuse(image, 5, 0.1, 0.3, "quadratic"));
    assertTrue(lambda.getMessage().contains("lambda"), lambda.getMessage());
    NodeException kappa = assertThrows(NodeException.class, () -> diffuse(image, 5, 0.0, 0.2, "quadratic"));
    assertTrue(kappa.getMessage().contains("kappa"), kappa.getMessage());
    NodeException steps = assertThrows(NodeException.class, () -> diffuse(image, 0, 0.1, 0.2, "quadratic"));
    assertTrue(steps.getMessage().contains("steps"), steps.getMessage());
    assertThrows(NodeException.class, () -> diffuse(image, 5, 0.1, 0.2, "linear"));
  }

  @Test
  void aCancelledRunStopsBeforeTheFirstStepCompletes() {
    CancelToken token = CancelToken.none();
    token.cancel("user asked");
    RunStoppedException stopped = assertThrows(RunStoppedException.class, () -> NodeHarness.run(
        "ImageAnisotropicDiffusion", OutputSink.discard(), InputResolver.none(), token,
        "image", random(37, 1, 4, 4, 3), "steps", 3));
    assertInstanceOf(RunStoppedException.Cancelled.class, stopped);
  }

  @Test
  void reportsEveryStepThroughTheExecutor() throws Exception {
    CpuTensor image = random(38, 2, 6, 5, 3);
    Pipeline pipeline = new Pipeline(image);
    List<RunEvent.Progress> steps = new ArrayList<>();
    RunResult result = pipeline.run(8, event -> {
      if (event instanceof RunEvent.Progress p && p.steps() > 0) {
        steps.add(p);
      }
    }, CancelToken.none());
    assertEquals(RunStatus.SUCCESS, result.status(), result.message());
    assertEquals(8, steps.size());
    for (int i = 0; i < 8; i++) {
      assertEquals(i + 1, steps.get(i).step());
      assertEquals(8, steps.get(i).steps());
      assertEquals("2", steps.get(i).nodeId());
    }
    assertClose(naive(image, 8, 0.1, 0.2, "quadratic"), pipeline.output.get(), 1e-5);
  }

  @Test
  void cancellingDuringAStepStopsTheNodeAtTheNextStep() throws Exception {
    Pipeline pipeline = new Pipeline(random(39, 1, 6, 6, 3));
    CancelToken token = CancelToken.none();
    List<Integer> steps = new ArrayList<>();
    RunResult result = pipeline.run(100, event -> {
      if (event instanceof RunEvent.Progress p && p.steps() > 0) {
        steps.add(p.step());
        if (p.step() == 3) {
          token.cancel("stop at three");
        }
      }
    }, token);
    assertEquals(RunStatus.CANCELLED, result.status());
    assertEquals("stop at three", result.message());
    assertEquals("2", result.failedNodeId());
    assertEquals(List.of(1, 2, 3), steps);
    assertEquals(null, pipeline.output.get(), "the sink never ran");
  }

  /** Image source -> ImageAnisotropicDiffusion -> sink, run by the real validator and executor. */
  private static final class Pipeline {
    final AtomicReference<CpuTensor> output = new AtomicReference<>();
    final NodeRegistry registry = new NodeRegistry();

    Pipeline(CpuTensor image) {
      FilterNodes.register(registry);
      registry.register(NodeDefinition.cpuOnly(
          NodeSchema.builder("TestImage").output(Types.IMAGE).build(), call -> new Object[] {image}));
      registry.register(NodeDefinition.cpuOnly(
          NodeSchema.builder("TestSink").required(InputSpec.image("images")).outputNode().build(),
          call -> {
            Tensor t = call.tensor("images");
            CpuTensor cpu = CpuTensor.of(t);
            output.set(new CpuTensor(cpu.shape(), cpu.data().clone()));
            return new Object[0];
          }));
    }

    RunResult run(int steps, dev.gpuagent.engine.RunListener listener, CancelToken token) throws Exception {
      String json = """
          {"1": {"class_type": "TestImage", "inputs": {}},
           "2": {"class_type": "ImageAnisotropicDiffusion", "inputs": {"image": ["1", 0], "steps": %d,
                 "kappa": 0.1, "lambda": 0.2, "conduction": "quadratic"}},
           "3": {"class_type": "TestSink", "inputs": {"images": ["2", 0]}}}""".formatted(steps);
      Validation validation = new Validator(registry, WorkflowLimits.DEFAULT).validate(new WorkflowParser().parse(json));
      Validation.Valid valid = assertInstanceOf(Validation.Valid.class, validation, validation.toString());
      RunContext context = new RunContext("diffusion-test", NodeHarness.CPU, listener, token, null, null, null, null);
      return new Executor(registry).execute(valid.plan(), context);
    }
  }
}

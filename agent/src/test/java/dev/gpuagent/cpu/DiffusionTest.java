package dev.gpuagent.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DiffusionTest {
  @Test
  void vectorisableExpMatchesMathExpOverTheUsefulRange() {
    for (int i = 0; i <= 120_000; i++) {
      double q = i / 1000.0;
      double expected = Math.exp(-q);
      assertEquals(expected, Diffusion.expNegative(q), expected * 1e-10, "q=" + q);
    }
  }

  @Test
  void vectorisableExpIsNegligibleBeyondItsCap() {
    assertTrue(Diffusion.expNegative(1e6) < 1e-50);
    assertTrue(Diffusion.expNegative(Double.POSITIVE_INFINITY) < 1e-50);
    assertTrue(Double.isNaN(Diffusion.expNegative(Double.NaN)));
  }
}

package dev.gpuagent.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DeviceInfoTest {
  @Test
  void uuidPrintsAsNvidiaSmiDoes() {
    byte[] bytes = new byte[16];
    for (int i = 0; i < 16; i++) {
      bytes[i] = (byte) (0xF0 + i - 0x80 * (i % 2));
    }
    // f0 71 f2 73 | f4 75 | f6 77 | f8 79 | fa 7b fc 7d fe 7f
    assertEquals("GPU-f071f273-f475-f677-f879-fa7bfc7dfe7f", DeviceInfo.formatUuid(bytes));
    assertEquals("", DeviceInfo.formatUuid(new byte[3]));
  }

  @Test
  void turingAndNewerAreSupportedOlderAreNot() {
    DeviceInfo t4 = new DeviceInfo(0, "Tesla T4", 7, 5, 15L << 30, "", "");
    DeviceInfo v100 = new DeviceInfo(1, "Tesla V100-SXM2-16GB", 7, 0, 16L << 30, "", "");
    assertTrue(t4.supported());
    assertNull(t4.unsupportedReason());
    assertFalse(v100.supported());
    assertEquals("device 1 (Tesla V100-SXM2-16GB) has compute capability 7.0; gpu-agent's kernels need"
        + " 7.5 (Turing) or newer", v100.unsupportedReason());
    assertEquals("7.5", t4.computeCapability());
  }
}

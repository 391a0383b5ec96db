package dev.gpuagent.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GpuTypesTest {
  /** Names, capabilities and memory sizes as real devices report them through the driver. */
  @ParameterizedTest(name = "{0} (cc {1}.{2}, {3} bytes) -> {4}")
  @CsvSource(delimiter = '|', textBlock = """
      Tesla T4                  | 7 | 5 | 15843721216  | T4
      NVIDIA A100-SXM4-40GB     | 8 | 0 | 42505273344  | A100
      NVIDIA A100-PCIE-40GB     | 8 | 0 | 42505273344  | A100
      NVIDIA A100-SXM4-80GB     | 8 | 0 | 85031714816  | A100-80GB
      NVIDIA A100 80GB PCIe     | 8 | 0 | 85094301696  | A100-80GB
      NVIDIA A10G               | 8 | 6 | 23836098560  | A10G
      NVIDIA L4                 | 8 | 9 | 23580639232  | L4
      NVIDIA L40S               | 8 | 9 | 48305799168  | L40S
      NVIDIA H100 80GB HBM3     | 9 | 0 | 85029158912  | H100
      NVIDIA H100 PCIe          | 9 | 0 | 85520809984  | H100
      NVIDIA H100 NVL           | 9 | 0 | 100485021696 | H100
      NVIDIA H200               | 9 | 0 | 150754820096 | H200
      NVIDIA H200 NVL           | 9 | 0 | 150754820096 | H200
      NVIDIA GeForce RTX 4090   | 8 | 9 | 25385107456  | NVIDIA GeForce RTX 4090
      Tesla V100-SXM2-16GB      | 7 | 0 | 16935682048  | Tesla V100-SXM2-16GB
      NVIDIA A30                | 8 | 0 | 25228853248  | NVIDIA A30
      NVIDIA L40                | 8 | 9 | 48305799168  | NVIDIA L40
      NVIDIA GH200 480GB        | 9 | 0 | 102005473280 | NVIDIA GH200 480GB
      Quadro RTX 6000           | 7 | 5 | 25393692672  | Quadro RTX 6000
      NVIDIA A10                | 8 | 6 | 23836098560  | NVIDIA A10
      NVIDIA B200               | 10 | 0 | 191468208128 | NVIDIA B200
      """)
  void mapsRealDevicesToProductTypes(String name, int major, int minor, long memory, String type) {
    assertEquals(type, GpuTypes.typeOf(name, major, minor, memory));
    assertEquals(type, new DeviceInfo(0, name, major, minor, memory, "", "").type());
  }
}

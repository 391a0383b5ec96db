package dev.gpuagent.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.util.List;
import org.junit.jupiter.api.Test;

class CudaProbeTest {
  private static final DeviceInfo L4 = new DeviceInfo(0, "NVIDIA L4", 8, 9, 23_580_639_232L,
      "GPU-00000000-0000-0000-0000-000000000001", "0000:00:03.0");
  private static final DeviceInfo V100 = new DeviceInfo(1, "Tesla V100-SXM2-16GB", 7, 0, 16_935_682_048L, "", "");

  /** A driver that answers from fields, or throws what it is given. */
  private static class FakeDriver implements DriverApi {
    int version = 13000;
    RuntimeException initFailure;
    List<DeviceInfo> devices = List.of(L4);
    int inits;

    @Override
    public int driverVersion() {
      return version;
    }

    @Override
    public void init() {
      inits++;
      if (initFailure != null) {
        throw initFailure;
      }
    }

    @Override
    public int deviceCount() {
      return devices.size();
    }

    @Override
    public DeviceInfo device(int index) {
      return devices.get(index);
    }
  }

  @Test
  void thisMachineWithoutADriverIsUnavailableAndTheAnswerIsCached() {
    CudaAvailability first = CudaProbe.availability();
    CudaAvailability second = CudaProbe.availability();
    assertSame(first, second, "the second call returns the cached answer");
    assertEquals(1, CudaProbe.attempts(), "the driver is probed once per JVM");
    assertTrue(CudaProbe.probed());
    assumeFalse(first.available(), "skipped: this machine has a usable GPU");
    assertFalse(first.reason().isBlank());
    if (first.driverVersion() == 0) {
      assertEquals(CudaProbe.NO_DRIVER, first.reason());
      assertEquals("no NVIDIA driver found (libcuda.so.1 could not be loaded)", first.reason());
      assertTrue(first.devices().isEmpty());
    }
  }

  @Test
  void aCuda13DriverWithASupportedDeviceIsAvailable() {
    FakeDriver driver = new FakeDriver();
    CudaAvailability result = CudaProbe.probe(() -> driver);
    assertTrue(result.available());
    assertNull(result.reason());
    assertEquals(List.of(L4), result.devices());
    assertEquals("13.0", result.driverVersionText());
    assertNull(result.whyNot(0));
  }

  @Test
  void aCuda12DriverIsRefusedSayingWhatIsNeeded() {
    FakeDriver driver = new FakeDriver();
    driver.version = 12040;
    CudaAvailability result = CudaProbe.probe(() -> driver);
    assertFalse(result.available());
    assertEquals("driver reports CUDA 12.4 (12040); gpu-agent's kernels need a CUDA 13 driver, R580 or newer",
        result.reason());
    assertEquals(12040, result.driverVersion());
    assertEquals(List.of(L4), result.devices(), "the devices are still listed for `gpus`");
    assertEquals(result.reason(), result.whyNot(0));
  }

  @Test
  void cuda13PointOneIsAccepted() {
    FakeDriver driver = new FakeDriver();
    driver.version = 13010;
    assertTrue(CudaProbe.probe(() -> driver).available());
    driver.version = 12090;
    assertEquals("driver reports CUDA 12.9 (12090); gpu-agent's kernels need a CUDA 13 driver, R580 or newer",
        CudaProbe.probe(() -> driver).reason());
  }

  @Test
  void aMissingLibcudaSaysNoDriver() {
    CudaAvailability result = CudaProbe.probe(() -> {
      throw new UnsatisfiedLinkError("Error while loading native library \"JCudaDriver-12.6.0-linux-x86_64\"\n"
          + "java.lang.UnsatisfiedLinkError: /tmp/libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: cannot open"
          + " shared object file: No such file or directory");
    });
    assertFalse(result.available());
    assertEquals("no NVIDIA driver found (libcuda.so.1 could not be loaded)", result.reason());
  }

  @Test
  void theLaterNoClassDefFoundErrorIsCaughtToo() {
    NoClassDefFoundError later = new NoClassDefFoundError("Could not initialize class jcuda.driver.JCudaDriver");
    later.initCause(new ExceptionInInitializerError("Exception java.lang.UnsatisfiedLinkError: libcuda.so.1: "
        + "cannot open shared object file"));
    assertEquals(CudaProbe.NO_DRIVER, CudaProbe.probe(() -> {
      throw later;
    }).reason());
  }

  @Test
  void anotherLinkFailureIsReportedAsIs() {
    CudaAvailability result = CudaProbe.probe(() -> {
      throw new UnsatisfiedLinkError("/tmp/libJCudaDriver.so: failed to map segment from shared object");
    });
    assertEquals("the JCuda driver binding could not be loaded: java.lang.UnsatisfiedLinkError: "
        + "/tmp/libJCudaDriver.so: failed to map segment from shared object", result.reason());
  }

  @Test
  void aFailingCuInitNamesTheErrorWithAHint() {
    FakeDriver driver = new FakeDriver();
    driver.initFailure = new RuntimeException("CUDA_ERROR_NO_DEVICE");
    CudaAvailability result = CudaProbe.probe(() -> driver);
    assertFalse(result.available());
    assertTrue(result.reason().startsWith("the NVIDIA driver could not initialise CUDA (cuInit: CUDA_ERROR_NO_DEVICE)"),
        result.reason());
    assertTrue(result.reason().contains("CUDA_VISIBLE_DEVICES"), result.reason());
  }

  @Test
  void noDevicesIsUnavailable() {
    FakeDriver driver = new FakeDriver();
    driver.devices = List.of();
    assertEquals("the NVIDIA driver (CUDA 13.0) lists no CUDA devices", CudaProbe.probe(() -> driver).reason());
  }

  @Test
  void onlyPreTuringDevicesIsUnavailable() {
    FakeDriver driver = new FakeDriver();
    driver.devices = List.of(new DeviceInfo(0, "Tesla V100-SXM2-16GB", 7, 0, 16L << 30, "", ""));
    CudaAvailability result = CudaProbe.probe(() -> driver);
    assertFalse(result.available());
    assertEquals("no supported CUDA device: device 0 (Tesla V100-SXM2-16GB) has compute capability 7.0;"
        + " gpu-agent's kernels need 7.5 (Turing) or newer", result.reason());
  }

  @Test
  void aMixedMachineIsAvailableButTheOldDeviceSaysWhyNot() {
    FakeDriver driver = new FakeDriver();
    driver.devices = List.of(L4, V100);
    CudaAvailability result = CudaProbe.probe(() -> driver);
    assertTrue(result.available());
    assertNull(result.whyNot(0));
    assertEquals(V100.unsupportedReason(), result.whyNot(1));
    assertEquals("there is no CUDA device 2 (the driver lists 2 devices, numbered from 0)", result.whyNot(2));
  }

  @Test
  void aDriverErrorWhileListingNeverEscapes() {
    FakeDriver driver = new FakeDriver() {
      @Override
      public DeviceInfo device(int index) {
        throw new RuntimeException("CUDA_ERROR_UNKNOWN");
      }
    };
    CudaAvailability result = CudaProbe.probe(() -> driver);
    assertFalse(result.available());
    assertEquals("the CUDA driver failed while listing devices: CUDA_ERROR_UNKNOWN", result.reason());
  }
}

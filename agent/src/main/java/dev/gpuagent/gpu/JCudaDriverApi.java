package dev.gpuagent.gpu;

import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR;

import java.nio.charset.StandardCharsets;
import jcuda.driver.CUdevice;
import jcuda.driver.CUuuid;
import jcuda.driver.JCudaDriver;

/** The probe's driver calls through JCuda. The first call loads JCuda's native library. */
final class JCudaDriverApi implements DriverApi {
  JCudaDriverApi() {}

  @Override
  public int driverVersion() {
    JCudaDriver.setExceptionsEnabled(true);
    int[] version = new int[1];
    JCudaDriver.cuDriverGetVersion(version);
    return version[0];
  }

  @Override
  public void init() {
    JCudaDriver.cuInit(0);
  }

  @Override
  public int deviceCount() {
    int[] count = new int[1];
    JCudaDriver.cuDeviceGetCount(count);
    return count[0];
  }

  @Override
  public DeviceInfo device(int index) {
    CUdevice device = new CUdevice();
    JCudaDriver.cuDeviceGet(device, index);
    byte[] name = new byte[256];
    JCudaDriver.cuDeviceGetName(name, name.length, device);
    int end = 0;
    while (end < name.length && name[end] != 0) {
      end++;
    }
    int[] major = new int[1];
    int[] minor = new int[1];
    JCudaDriver.cuDeviceGetAttribute(major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
    JCudaDriver.cuDeviceGetAttribute(minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
    long[] total = new long[1];
    JCudaDriver.cuDeviceTotalMem(total, device);
    CUuuid uuid = new CUuuid();
    JCudaDriver.cuDeviceGetUuid(uuid, device);
    String[] busId = new String[1];
    JCudaDriver.cuDeviceGetPCIBusId(busId, 64, device);
    return new DeviceInfo(index, new String(name, 0, end, StandardCharsets.UTF_8).strip(), major[0], minor[0],
        total[0], DeviceInfo.formatUuid(uuid.bytes), busId[0] == null ? "" : busId[0].strip());
  }
}

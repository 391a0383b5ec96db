package dev.gpuagent.gpu;

/**
 * The few driver calls the probe makes, so that the probe's decisions can be tested with a fake.
 * Implementations throw on failure; the real one loads JCuda (and may throw a LinkageError).
 */
interface DriverApi {
  int driverVersion();

  void init();

  int deviceCount();

  DeviceInfo device(int index);
}

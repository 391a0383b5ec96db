package dev.gpuagent.cli;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A bound AF_UNIX datagram socket standing in for systemd's notify socket in tests. */
final class NotifySocket implements AutoCloseable {
  private static final Linker LINKER = Linker.nativeLinker();
  private static final MethodHandle SOCKET = handle("socket", FunctionDescriptor.of(ValueLayout.JAVA_INT,
      ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
  private static final MethodHandle BIND = handle("bind", FunctionDescriptor.of(ValueLayout.JAVA_INT,
      ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
  private static final MethodHandle SETSOCKOPT = handle("setsockopt", FunctionDescriptor.of(ValueLayout.JAVA_INT,
      ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
  private static final MethodHandle RECV = handle("recv", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
      ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
  private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

  private final Path path;
  private final int fd;

  NotifySocket(Path path) throws Throwable {
    this.path = path;
    Files.deleteIfExists(path);
    fd = (int) SOCKET.invokeExact(1, 2, 0);
    try (Arena arena = Arena.ofConfined()) {
      byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
      MemorySegment address = arena.allocate(110);
      address.set(ValueLayout.JAVA_SHORT, 0, (short) 1);
      MemorySegment.copy(name, 0, address, ValueLayout.JAVA_BYTE, 2, name.length);
      if ((int) BIND.invokeExact(fd, address, 2 + name.length + 1) != 0) {
        throw new IllegalStateException("bind " + path + " failed");
      }
      MemorySegment timeout = arena.allocate(16); // struct timeval { 30 s, 0 us }: a loaded CI machine
      timeout.set(ValueLayout.JAVA_LONG, 0, 30L);
      int ignored = (int) SETSOCKOPT.invokeExact(fd, 1 /* SOL_SOCKET */, 20 /* SO_RCVTIMEO */, timeout, 16);
    }
  }

  Path path() {
    return path;
  }

  /** The next datagram, or null after 30 s without one. */
  String receive() throws Throwable {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buffer = arena.allocate(4096);
      long n = (long) RECV.invokeExact(fd, buffer, 4096L, 0);
      if (n < 0) {
        return null;
      }
      return new String(buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }
  }

  @Override
  public void close() throws Exception {
    try {
      int ignored = (int) CLOSE.invokeExact(fd);
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
    Files.deleteIfExists(path);
  }

  private static MethodHandle handle(String name, FunctionDescriptor descriptor) {
    return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor);
  }
}

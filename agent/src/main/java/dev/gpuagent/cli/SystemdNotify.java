package dev.gpuagent.cli;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * systemd's notify protocol ({@code Type=notify}): one datagram per state change ({@code READY=1},
 * {@code STOPPING=1}, {@code WATCHDOG=1}, {@code STATUS=...}) sent to the AF_UNIX socket named in
 * {@code NOTIFY_SOCKET}. The JDK's channels cannot send AF_UNIX datagrams, so this calls libc's
 * {@code socket}, {@code sendto} and {@code close} through the FFM API. Without NOTIFY_SOCKET (not run
 * by systemd) every call does nothing; a failing send is logged once and never stops the process.
 */
public final class SystemdNotify {
  private static final Logger log = LoggerFactory.getLogger(SystemdNotify.class);
  private static final int AF_UNIX = 1;
  private static final int SOCK_DGRAM = 2;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int SUN_PATH_MAX = 108;

  private final String socketPath;
  private volatile boolean warned;

  SystemdNotify(String socketPath) {
    this.socketPath = socketPath == null || socketPath.isEmpty() ? null : socketPath;
  }

  /** The notifier for this process: active only when systemd set NOTIFY_SOCKET. */
  public static SystemdNotify fromEnvironment() {
    return new SystemdNotify(System.getenv("NOTIFY_SOCKET"));
  }

  public boolean enabled() {
    return socketPath != null;
  }

  public void ready(String status) {
    send("READY=1\nSTATUS=" + status);
  }

  public void stopping(String status) {
    send("STOPPING=1\nSTATUS=" + status);
  }

  public void watchdog() {
    send("WATCHDOG=1");
  }

  public void status(String status) {
    send("STATUS=" + status);
  }

  /** Sends one notify message; returns whether it was delivered. */
  public boolean send(String message) {
    if (socketPath == null) {
      return false;
    }
    try {
      sendDatagram(socketPath, message.getBytes(StandardCharsets.UTF_8));
      return true;
    } catch (Throwable e) {
      if (!warned) {
        warned = true;
        log.warn("could not notify systemd through {}: {}", socketPath, e.toString());
      }
      return false;
    }
  }

  private static void sendDatagram(String path, byte[] payload) throws Throwable {
    byte[] name = path.getBytes(StandardCharsets.UTF_8);
    if (name.length >= SUN_PATH_MAX) {
      throw new IllegalArgumentException("NOTIFY_SOCKET path is too long");
    }
    if (name[0] == '@') {
      name[0] = 0; // abstract namespace
    }
    Linker linker = Linker.nativeLinker();
    var libc = linker.defaultLookup();
    MethodHandle socket = linker.downcallHandle(libc.find("socket").orElseThrow(),
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    MethodHandle sendto = linker.downcallHandle(libc.find("sendto").orElseThrow(),
        FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    MethodHandle close = linker.downcallHandle(libc.find("close").orElseThrow(),
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    int fd = (int) socket.invokeExact(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      throw new IllegalStateException("socket(AF_UNIX, SOCK_DGRAM) failed");
    }
    try (Arena arena = Arena.ofConfined()) {
      // struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; }
      MemorySegment address = arena.allocate(2 + SUN_PATH_MAX);
      address.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
      MemorySegment.copy(name, 0, address, ValueLayout.JAVA_BYTE, 2, name.length);
      int addressLength = 2 + name.length + (name[0] == 0 ? 0 : 1);
      MemorySegment buffer = arena.allocate(Math.max(1, payload.length));
      MemorySegment.copy(payload, 0, buffer, ValueLayout.JAVA_BYTE, 0, payload.length);
      long sent = (long) sendto.invokeExact(fd, buffer, (long) payload.length, 0, address, addressLength);
      if (sent != payload.length) {
        throw new IllegalStateException("sendto to NOTIFY_SOCKET sent " + sent + " of " + payload.length + " bytes");
      }
    } finally {
      int ignored = (int) close.invokeExact(fd);
    }
  }
}

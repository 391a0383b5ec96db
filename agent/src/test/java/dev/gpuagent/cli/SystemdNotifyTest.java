package dev.gpuagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SystemdNotifyTest {
  @TempDir Path dir;

  @Test
  void messagesArriveOnTheNotifySocket() throws Throwable {
    try (NotifySocket socket = new NotifySocket(dir.resolve("notify"))) {
      SystemdNotify notify = new SystemdNotify(socket.path().toString());
      assertTrue(notify.enabled());
      notify.ready("serving");
      assertEquals("READY=1\nSTATUS=serving", socket.receive());
      notify.watchdog();
      assertEquals("WATCHDOG=1", socket.receive());
      notify.stopping("draining 2 runs");
      assertEquals("STOPPING=1\nSTATUS=draining 2 runs", socket.receive());
    }
  }

  @Test
  void withoutNotifySocketNothingIsSent() {
    SystemdNotify notify = new SystemdNotify(null);
    assertFalse(notify.enabled());
    assertFalse(notify.send("READY=1"));
  }

  @Test
  void aMissingSocketIsReportedNotThrown() {
    SystemdNotify notify = new SystemdNotify(dir.resolve("absent").toString());
    assertFalse(notify.send("READY=1"));
  }

  @Test
  void theServerSendsReadyThenStoppingOnSigterm() throws Throwable {
    try (NotifySocket socket = new NotifySocket(dir.resolve("notify"))) {
      ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
          "server", "--port", "0", "--data-dir", dir.resolve("data").toString(),
          "--deployments", dir.resolve("none").toString());
      Files.createDirectories(dir.resolve("none"));
      builder.environment().put("NOTIFY_SOCKET", socket.path().toString());
      builder.redirectErrorStream(true).redirectOutput(dir.resolve("server.log").toFile());
      Process process = builder.start();
      try {
        String ready = socket.receive();
        assertTrue(ready != null && ready.startsWith("READY=1\nSTATUS="),
            ready + "; server log:\n" + Files.readString(dir.resolve("server.log")));
        new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor();
        String stopping = socket.receive();
        assertTrue(stopping != null && stopping.startsWith("STOPPING=1"),
            stopping + "; server log:\n" + Files.readString(dir.resolve("server.log")));
        assertTrue(process.waitFor(20, TimeUnit.SECONDS));
      } finally {
        process.destroyForcibly();
      }
    }
  }
}

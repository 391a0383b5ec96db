package dev.gpuagent.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gpuagent.server.identity.IdentityStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A run acknowledged by the store survives {@code kill -9} of the process that wrote it: a child
 * JVM ({@link StoreChild}) queues runs and prints each id after its insert returned; the test kills
 * it mid-stream and finds every printed id after reopening the database.
 */
public abstract class CrashDurabilityContractTest {
  /** Opens the store under test (again, after close). */
  protected abstract Stores open(Clock clock);

  protected abstract IdentityStore identity(Stores stores, Clock clock);

  /** The arguments that make {@link StoreChild} open this same database. */
  protected abstract List<String> childArgs(UUID orgId);

  @Test
  void everyAcknowledgedRunSurvivesKillDashNine() throws Exception {
    Clock clock = new MutableClock(Instant.parse("2025-03-01T12:00:00Z"));
    UUID org;
    try (Stores stores = open(clock)) {
      org = identity(stores, clock).createOrganisation("crash").id();
    }
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-cp", System.getProperty("java.class.path"), StoreChild.class.getName()));
    command.addAll(childArgs(org));
    Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    List<UUID> acknowledged = new ArrayList<>();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      assertEquals("ready", out.readLine(), "the child opened the store");
      String line;
      while (acknowledged.size() < 300 && (line = out.readLine()) != null) {
        acknowledged.add(UUID.fromString(line));
      }
      child.destroyForcibly(); // SIGKILL on POSIX: no shutdown hooks, no close, writes in flight
      assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child died");
    } finally {
      child.destroyForcibly();
    }
    assertTrue(acknowledged.size() >= 300, "the child acknowledged " + acknowledged.size() + " runs");

    try (Stores stores = open(clock)) {
      List<UUID> missing = acknowledged.stream().filter(id -> stores.runs().get(org, id).isEmpty()).toList();
      assertEquals(List.of(), missing, "acknowledged runs missing after kill -9");
      Run next = stores.runs().insert(NewRun.of(org, null, StoreContractTest.WORKFLOW));
      assertTrue(next.number() > acknowledged.size(), "numbering continues after the crash: " + next.number());
    }
  }
}

package dev.gpuagent.server.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gpuagent.server.store.Run;
import dev.gpuagent.server.store.RunStatus;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The dispatcher's queue estimate: which claims it lets out, and how it corrects itself. */
class QueueDepthTest {
  private final QueueDepth depth = new QueueDepth();

  @Test
  void aSlotTakesItsOwnTypeFirstThenAnyAndNothingElse() {
    depth.arrived(run("H100"));
    depth.arrived(run(null));
    depth.arrived(run("A100"));
    assertEquals("H100", depth.take("H100"));
    assertEquals("any", depth.take("H100"));
    assertNull(depth.take("H100"), "the A100 run is not for an H100 slot");
    assertEquals("A100", depth.take("A100"));
    assertFalse(depth.anyWaiting());
  }

  @Test
  void anEmptyClaimClearsItsTypeAndAnyUnlessARunArrivedMeanwhile() {
    depth.resync(Map.of("CPU", 2L, "any", 1L, "H100", 4L));
    long sent = depth.generation();
    assertTrue(depth.emptied("CPU", sent));
    assertEquals(Map.of("CPU", 0L, "any", 0L, "H100", 4L), depth.snapshot());

    long before = depth.generation();
    depth.arrived(run("CPU")); // queued while the claim was in flight: it may not have seen it
    assertFalse(depth.emptied("CPU", before));
    assertEquals("CPU", depth.take("CPU"));
  }

  @Test
  void theStoreCountReplacesTheEstimateAndTheArrivalsItAlreadyHolds() {
    depth.arrived(run(null));
    depth.arrived(run(null));
    depth.resync(Map.of("any", 1L));
    assertEquals(Map.of("any", 1L), depth.snapshot());
    depth.arrived(run(null));
    assertEquals(Map.of("any", 2L), depth.snapshot());
  }

  private static Run run(String gpu) {
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    return new Run(UUID.randomUUID(), UUID.randomUUID(), 1, null, "{}", "{}", RunStatus.QUEUED, "api", gpu, null, null,
        null, 0, 0, 3, 0, null, 300, null, null, 0.0, null, null, false, null, null, t, t, null, null, t);
  }
}

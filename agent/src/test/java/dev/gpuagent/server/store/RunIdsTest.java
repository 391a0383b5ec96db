package dev.gpuagent.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RunIdsTest {
  @Test
  void anIdIsVersion7WithItsMillisecondFirst() {
    long millis = 1_763_913_600_123L; // 2025-11-23T16:00:00.123Z
    UUID id = RunIds.at(millis, -1L, -1L);
    assertEquals(7, id.version());
    assertEquals(2, id.variant());
    assertEquals(millis, id.getMostSignificantBits() >>> 16);
    assertEquals("019ab171-8c7b-7fff-bfff-ffffffffffff", id.toString());
    assertEquals("019ab171-8c7b-7000-8000-000000000000", RunIds.at(millis, 0, 0).toString());
  }

  @Test
  void idsOfLaterMillisecondsSortAfterAsTheStoreComparesThem() throws InterruptedException {
    // The store keeps ids as lower-case text, so text order is what keeps inserts at the index's end.
    UUID earlier = RunIds.next();
    Thread.sleep(2);
    UUID later = RunIds.next();
    assertTrue(earlier.toString().compareTo(later.toString()) < 0, earlier + " then " + later);
  }

  @Test
  void idsAreUnique() {
    Set<UUID> ids = new HashSet<>();
    for (int i = 0; i < 100_000; i++) {
      assertTrue(ids.add(RunIds.next()));
    }
  }
}

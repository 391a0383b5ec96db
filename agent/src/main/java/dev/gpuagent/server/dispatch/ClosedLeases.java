package dev.gpuagent.server.dispatch;

import java.util.LinkedHashMap;
import java.util.Map;

/** The most recently closed leases and why, so a late message about one is answered {@code lease_closed}. */
final class ClosedLeases extends LinkedHashMap<String, String> {
  private static final long serialVersionUID = 1L;
  private final int capacity;

  ClosedLeases(int capacity) {
    this.capacity = capacity;
  }

  @Override
  protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
    return size() > capacity;
  }
}

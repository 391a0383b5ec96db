package dev.gpuagent.server.dispatch;

import dev.gpuagent.server.store.Run;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The dispatcher's estimate of how many runs wait per GPU type ({@code "any"} for runs that require
 * none), so that a free slot is offered a claim only when a run may match it. Counting the queue in
 * the store on every dispatch costs time in proportion to the queue's length; this estimate costs
 * nothing and is corrected from the store on every sweep (at least once a second).
 *
 * <p>It may be wrong in both directions for a moment: too high (a cancelled queued run) costs one
 * claim that finds nothing, after which the type counts as empty; too low cannot last past the next
 * sweep. {@link #arrived} is safe from any thread; the rest belongs to the dispatcher thread.
 */
final class QueueDepth {
  private final Map<String, LongAdder> arrivals = new ConcurrentHashMap<>();
  /** Moves on each arrival: an empty claim only says "empty" if nothing arrived since it was sent. */
  private final AtomicLong generation = new AtomicLong();
  private final Map<String, Long> depth = new HashMap<>();

  static String key(Run run) {
    return run.gpuRequested() == null ? "any" : run.gpuRequested();
  }

  /** A run was queued (from the API's thread) or re-queued. */
  void arrived(Run run) {
    arrivals.computeIfAbsent(key(run), k -> new LongAdder()).increment();
    generation.incrementAndGet();
  }

  long generation() {
    return generation.get();
  }

  /** Replaces the estimate with the store's count (arrivals counted so far are in it). */
  void resync(Map<String, Long> counted) {
    arrivals.values().forEach(LongAdder::reset);
    depth.clear();
    depth.putAll(counted);
  }

  /**
   * A claim for a slot of {@code gpuType} is about to be sent: the key of the queue it will take from
   * (its own type first, then "any"), counted as taken; null when neither seems to hold a run.
   */
  String take(String gpuType) {
    drain();
    String key = depth.getOrDefault(gpuType, 0L) > 0 ? gpuType : depth.getOrDefault("any", 0L) > 0 ? "any" : null;
    if (key != null) {
      depth.merge(key, -1L, Long::sum);
    }
    return key;
  }

  /** Whether any queue seems to hold a run. */
  boolean anyWaiting() {
    drain();
    return depth.values().stream().anyMatch(n -> n > 0);
  }

  /**
   * A claim sent at {@code sentAt} (a {@link #generation}) for {@code gpuType} found nothing: neither
   * its type nor "any" holds a run, unless a run arrived meanwhile. Returns whether the estimate was
   * cleared (otherwise the caller should dispatch again).
   */
  boolean emptied(String gpuType, long sentAt) {
    if (generation.get() != sentAt) {
      return false;
    }
    depth.put(gpuType, 0L);
    depth.put("any", 0L);
    return true;
  }

  Map<String, Long> snapshot() {
    drain();
    return Map.copyOf(depth);
  }

  private void drain() {
    for (Map.Entry<String, LongAdder> e : arrivals.entrySet()) {
      long n = e.getValue().sumThenReset();
      if (n != 0) {
        depth.merge(e.getKey(), n, Long::sum);
      }
    }
  }
}

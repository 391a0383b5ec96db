package dev.gpuagent.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * Splits loops over rows or elements across the CPU backend's threads. Small ranges run inline:
 * forking costs microseconds, more than a small image's whole loop.
 */
public final class Parallel {
  /** Below this many units of work (elements, roughly) a loop runs on the calling thread. */
  static final long INLINE_WORK = 1 << 15;

  /** The body of a parallel loop over [from, to). */
  @FunctionalInterface
  public interface RangeBody {
    void run(int from, int to);
  }

  private final ForkJoinPool pool;
  private final int threads;

  public Parallel(int threads) {
    this.threads = Math.max(1, threads);
    this.pool = this.threads == 1 ? null : new ForkJoinPool(this.threads);
  }

  public int threads() {
    return threads;
  }

  /**
   * Runs {@code body} over [0, count) in chunks. {@code workPerItem} estimates the cost of one item
   * (pixels in a row, say) so that tiny loops skip the pool.
   */
  public void forRange(int count, long workPerItem, RangeBody body) {
    if (count <= 0) {
      return;
    }
    long work = (long) count * Math.max(1, workPerItem);
    if (pool == null || work < INLINE_WORK || count == 1) {
      body.run(0, count);
      return;
    }
    int chunks = (int) Math.min(count, Math.min(threads * 4L, Math.max(1, work / INLINE_WORK)));
    pool.invoke(new Chunk(body, 0, count, Math.max(1, (count + chunks - 1) / chunks)));
  }

  public void shutdown() {
    if (pool != null) {
      pool.shutdown();
    }
  }

  private static final class Chunk extends RecursiveAction {
    private final RangeBody body;
    private final int from;
    private final int to;
    private final int grain;

    Chunk(RangeBody body, int from, int to, int grain) {
      this.body = body;
      this.from = from;
      this.to = to;
      this.grain = grain;
    }

    @Override
    protected void compute() {
      if (to - from <= grain) {
        body.run(from, to);
        return;
      }
      int mid = (from + to) >>> 1;
      invokeAll(new Chunk(body, from, mid, grain), new Chunk(body, mid, to, grain));
    }
  }
}

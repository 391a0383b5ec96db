package dev.gpuagent.gpu;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import jcuda.driver.CUevent;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

/**
 * Device time measured with events (never stream callbacks, which are slow under JCuda): an event is
 * recorded on the stream where an interval begins and another where it ends, and the elapsed times
 * are summed when asked, so measuring costs no synchronisation until then. Events are pooled and
 * destroyed on close. One instance per stream; not thread-safe.
 */
final class KernelTimer implements AutoCloseable {
  /** Intervals folded into the total once this many are pending, bounding the events held. */
  private static final int MAX_PENDING = 64;

  private final ArrayDeque<CUevent> pool = new ArrayDeque<>();
  private final List<CUevent[]> pending = new ArrayList<>();
  private final List<CUevent> all = new ArrayList<>();
  private CUevent open;
  private double foldedMillis;

  /** Starts an interval on {@code stream}; a second begin before {@link #end} is ignored. */
  void begin(CUstream stream) {
    if (open == null) {
      open = take();
      JCudaDriver.cuEventRecord(open, stream);
    }
  }

  /** Ends the interval begun last; nothing happens without one. */
  void end(CUstream stream) {
    if (open == null) {
      return;
    }
    CUevent stop = take();
    JCudaDriver.cuEventRecord(stop, stream);
    pending.add(new CUevent[] {open, stop});
    open = null;
    if (pending.size() >= MAX_PENDING) {
      fold();
    }
  }

  /** Total milliseconds of all ended intervals; waits for the last one to finish. */
  double totalMillis() {
    fold();
    return foldedMillis;
  }

  private void fold() {
    float[] ms = new float[1];
    for (CUevent[] interval : pending) {
      JCudaDriver.cuEventSynchronize(interval[1]);
      JCudaDriver.cuEventElapsedTime(ms, interval[0], interval[1]);
      foldedMillis += ms[0];
      pool.add(interval[0]);
      pool.add(interval[1]);
    }
    pending.clear();
  }

  private CUevent take() {
    CUevent event = pool.poll();
    if (event == null) {
      event = new CUevent();
      JCudaDriver.cuEventCreate(event, 0);
      all.add(event);
    }
    return event;
  }

  @Override
  public void close() {
    RuntimeException first = null;
    for (CUevent event : all) {
      try {
        JCudaDriver.cuEventDestroy(event);
      } catch (RuntimeException e) {
        first = first == null ? e : first;
      }
    }
    all.clear();
    pool.clear();
    pending.clear();
    open = null;
    if (first != null) {
      throw first;
    }
  }
}

package dev.gpuagent.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.core.metrics.Info;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Makes meters named by Prometheus conventions on one shared registry. Names are given bare ({@code
 * runs}, {@code run_duration}); the rendered name gets the {@code gpu_agent_} prefix, the base unit
 * and the type suffix ({@code gpu_agent_runs_total}, {@code gpu_agent_run_duration_seconds}). Label
 * names are checked: ids are refused. Labels are given as {@code key, value} pairs.
 *
 * <p>One {@code Metrics} per registry: a server and a worker in one process ({@code dev} mode) share
 * it, so {@code /metrics} shows both.
 */
public final class Metrics implements AutoCloseable {
  public static final String PREFIX = "gpu_agent_";

  /** Content type of {@link #scrape()}: the Prometheus text format 0.0.4. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final MeterRegistry registry;
  private final AtomicBoolean buildInfo = new AtomicBoolean();
  private final List<AutoCloseable> binders = new ArrayList<>();

  private Metrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** A new Prometheus registry, ready for {@link #scrape()}. */
  public static Metrics prometheus() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // Two of Micrometer's process meters fail `promtool check metrics` (an abbreviated unit and a
    // gauge ending in _count); bindJvm() registers the conventional process_cpu_seconds_total instead.
    registry
        .config()
        .meterFilter(
            MeterFilter.deny(
                id -> id.getName().equals("process.cpu.time") || id.getName().equals("system.cpu.count")));
    return new Metrics(registry);
  }

  /** Wraps any registry (a {@code SimpleMeterRegistry} in tests). */
  public static Metrics of(MeterRegistry registry) {
    return new Metrics(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** The registry in the Prometheus text format; only for {@link #prometheus()} instances. */
  public String scrape() {
    if (!(registry instanceof PrometheusMeterRegistry prometheus)) {
      throw new IllegalStateException("this Metrics does not wrap a Prometheus registry");
    }
    return prometheus.scrape();
  }

  public Counter counter(String name, String help, String... labels) {
    return counter(name, Unit.NONE, help, labels);
  }

  /** A counter; a unit other than NONE counts that unit ({@code _bytes_total}, {@code _seconds_total}). */
  public Counter counter(String name, Unit unit, String help, String... labels) {
    return counterBuilder(name, unit, help).tags(tags(labels)).register(registry);
  }

  public MeterFamily<Counter> counters(String name, String help, String... labelNames) {
    counterBuilder(name, Unit.NONE, help);
    return family(
        name, labelNames, tags -> counterBuilder(name, Unit.NONE, help).tags(tags).register(registry));
  }

  /** A gauge that reads {@code fn(state)} at every scrape; the state is held strongly. */
  public <T> Gauge gauge(
      String name, Unit unit, String help, T state, ToDoubleFunction<T> fn, String... labels) {
    MetricNames.checkHelp(help);
    return Gauge.builder(PREFIX + MetricNames.checkName(name), state, fn)
        .description(help)
        .baseUnit(unit.baseUnit())
        .tags(tags(labels))
        .strongReference(true)
        .register(registry);
  }

  /** A counter whose value is read from {@code fn(state)} (monotonic, e.g. a total kept elsewhere). */
  public <T> FunctionCounter functionCounter(
      String name, Unit unit, String help, T state, ToDoubleFunction<T> fn, String... labels) {
    MetricNames.checkHelp(help);
    return FunctionCounter.builder(PREFIX + MetricNames.checkName(name), state, fn)
        .description(help)
        .baseUnit(unit.baseUnit())
        .tags(tags(labels))
        .register(registry);
  }

  /** A duration histogram in seconds with explicit buckets ({@link Buckets#DURATIONS} reach 4 h). */
  public Timer timer(String name, String help, Buckets buckets, String... labels) {
    return timerBuilder(name, help, buckets).tags(tags(labels)).register(registry);
  }

  public MeterFamily<Timer> timers(String name, String help, Buckets buckets, String... labelNames) {
    timerBuilder(name, help, buckets);
    return family(
        name, labelNames, tags -> timerBuilder(name, help, buckets).tags(tags).register(registry));
  }

  /** A histogram of values in {@code unit} (sizes in bytes, counts) with explicit buckets. */
  public DistributionSummary histogram(
      String name, Unit unit, String help, Buckets buckets, String... labels) {
    return summaryBuilder(name, unit, help, buckets).tags(tags(labels)).register(registry);
  }

  public MeterFamily<DistributionSummary> histograms(
      String name, Unit unit, String help, Buckets buckets, String... labelNames) {
    summaryBuilder(name, unit, help, buckets);
    return family(
        name,
        labelNames,
        tags -> summaryBuilder(name, unit, help, buckets).tags(tags).register(registry));
  }

  /**
   * {@code gpu_agent_build_info{version, java_version} 1}. Registered once; later calls do nothing.
   * Rendered through the Prometheus client's Info type, because its naming strips an {@code _info}
   * suffix from a plain gauge.
   */
  public void buildInfo(String version) {
    if (!buildInfo.compareAndSet(false, true)) {
      return;
    }
    String java = Runtime.version().toString();
    String help = "Build of this gpu-agent process (value is always 1)";
    if (registry instanceof PrometheusMeterRegistry prometheus) {
      Info.builder()
          .name(PREFIX + "build_info")
          .help(help)
          .labelNames("version", "java_version")
          .register(prometheus.getPrometheusRegistry())
          .addLabelValues(version, java);
    } else {
      Gauge.builder(PREFIX + "build_info", () -> 1)
          .description(help)
          .tags("version", version, "java_version", java)
          .register(registry);
    }
  }

  /** JVM memory, GC, threads, class loading, CPU and uptime meters (standard jvm_/process_ names). */
  public synchronized void bindJvm() {
    if (!binders.isEmpty()) {
      return;
    }
    JvmGcMetrics gc = new JvmGcMetrics();
    binders.add(gc);
    gc.bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      FunctionCounter.builder("process.cpu", os, bean -> bean.getProcessCpuTime() / 1e9)
          .description("CPU time used by the process")
          .baseUnit("seconds")
          .register(registry);
    }
  }

  @Override
  public synchronized void close() {
    for (AutoCloseable binder : binders) {
      try {
        binder.close();
      } catch (Exception ignored) {
        // closing a GC listener cannot fail in a way worth reporting at shutdown
      }
    }
    binders.clear();
    registry.close();
  }

  private Counter.Builder counterBuilder(String name, Unit unit, String help) {
    MetricNames.checkHelp(help);
    return Counter.builder(PREFIX + MetricNames.checkName(name))
        .description(help)
        .baseUnit(unit.baseUnit());
  }

  private Timer.Builder timerBuilder(String name, String help, Buckets buckets) {
    MetricNames.checkHelp(help);
    return Timer.builder(PREFIX + MetricNames.checkName(name))
        .description(help)
        .serviceLevelObjectives(buckets.asDurations())
        .publishPercentileHistogram(false);
  }

  private DistributionSummary.Builder summaryBuilder(
      String name, Unit unit, String help, Buckets buckets) {
    MetricNames.checkHelp(help);
    if (unit == Unit.SECONDS) {
      throw new IllegalArgumentException("durations are timers: use timer() for " + name);
    }
    return DistributionSummary.builder(PREFIX + MetricNames.checkName(name))
        .description(help)
        .baseUnit(unit.baseUnit())
        .serviceLevelObjectives(buckets.bounds())
        .publishPercentileHistogram(false);
  }

  /** Builders are mutable and cumulative, so each family member gets a fresh one (checked above). */
  private <M extends Meter> MeterFamily<M> family(
      String name, String[] labelNames, Function<Tags, M> factory) {
    for (String label : labelNames) {
      MetricNames.checkLabel(label);
    }
    return new MeterFamily<>(PREFIX + name, List.of(labelNames), factory);
  }

  private static Tags tags(String[] labels) {
    if (labels.length % 2 != 0) {
      throw new IllegalArgumentException("labels come in key, value pairs");
    }
    Tags tags = Tags.empty();
    for (int i = 0; i < labels.length; i += 2) {
      tags = tags.and(MetricNames.checkLabel(labels[i]), labels[i + 1]);
    }
    return tags;
  }
}

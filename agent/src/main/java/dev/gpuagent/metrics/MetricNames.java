package dev.gpuagent.metrics;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The naming rules {@link Metrics} enforces when a meter is made, so a bad name fails in a unit test
 * rather than in an operator's Prometheus. Names are given without the {@code gpu_agent_} prefix and
 * without unit or type suffixes: the factory adds them ({@code runs} becomes {@code
 * gpu_agent_runs_total}, a timer {@code run_duration} becomes {@code gpu_agent_run_duration_seconds}).
 */
final class MetricNames {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*(_[a-z0-9]+)*");
  private static final Pattern LABEL = Pattern.compile("[a-z][a-z0-9]*(_[a-z0-9]+)*");
  private static final List<String> ADDED_SUFFIXES =
      List.of(
          "_total", "_seconds", "_bytes", "_count", "_sum", "_bucket", "_info", "_max", "_created",
          "_ratio");
  private static final List<String> RESERVED_LABELS = List.of("le", "quantile");

  private MetricNames() {}

  static String checkName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "metric name '" + name + "' must be snake_case: lower-case letters, digits and single underscores");
    }
    if (name.startsWith("gpu_agent")) {
      throw new IllegalArgumentException(
          "metric name '" + name + "' must not carry the gpu_agent_ prefix: Metrics adds it");
    }
    for (String suffix : ADDED_SUFFIXES) {
      if (name.endsWith(suffix)) {
        throw new IllegalArgumentException(
            "metric name '" + name + "' must not end with " + suffix
                + ": Metrics adds type and unit suffixes itself");
      }
    }
    return name;
  }

  static String checkLabel(String label) {
    if (label == null || !LABEL.matcher(label).matches()) {
      throw new IllegalArgumentException("label name '" + label + "' must be snake_case");
    }
    if (RESERVED_LABELS.contains(label)) {
      throw new IllegalArgumentException("label name '" + label + "' is reserved by Prometheus");
    }
    if (label.equals("id") || label.endsWith("_id")) {
      throw new IllegalArgumentException(
          "label '" + label + "' looks like an id: ids are unbounded and never labels (a run id"
              + " belongs in logs and traces, not in a time series)");
    }
    return label;
  }

  static void checkHelp(String help) {
    if (help == null || help.isBlank()) {
      throw new IllegalArgumentException("every metric needs a help text");
    }
  }
}

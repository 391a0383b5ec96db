package dev.gpuagent.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Meters of one name that differ by label values, like a Prometheus client's labelled metric:
 * {@code runs.labels("success").increment()}. The label names are fixed when the family is made,
 * so every series of the name has the same labels (Prometheus requires it); meters are cached.
 */
public final class MeterFamily<M extends Meter> {
  private final String name;
  private final List<String> labelNames;
  private final Function<Tags, M> factory;
  private final ConcurrentHashMap<List<String>, M> meters = new ConcurrentHashMap<>();

  MeterFamily(String name, List<String> labelNames, Function<Tags, M> factory) {
    this.name = name;
    this.labelNames = List.copyOf(labelNames);
    this.factory = factory;
  }

  /** The meter for these label values, given in the order of the family's label names. */
  public M labels(String... values) {
    if (values.length != labelNames.size()) {
      throw new IllegalArgumentException(
          name + " has labels " + labelNames + " but got values " + Arrays.toString(values));
    }
    List<String> key = List.of(values);
    M meter = meters.get(key);
    return meter != null ? meter : meters.computeIfAbsent(key, this::create);
  }

  public List<String> labelNames() {
    return labelNames;
  }

  private M create(List<String> values) {
    Tags tags = Tags.empty();
    for (int i = 0; i < values.size(); i++) {
      tags = tags.and(labelNames.get(i), values.get(i));
    }
    return factory.apply(tags);
  }
}

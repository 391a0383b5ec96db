package dev.gpuagent.server.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Request headers, names lower-cased; lookups ignore case. Immutable. */
public record Headers(Map<String, List<String>> values) {
  public static final Headers EMPTY = new Headers(Map.of());

  public Headers {
    Map<String, List<String>> copy = new LinkedHashMap<>();
    values.forEach((name, list) -> copy.put(name.toLowerCase(Locale.ROOT), List.copyOf(list)));
    values = Map.copyOf(copy);
  }

  /** Headers from {@code name, value} pairs (tests, fakes). */
  public static Headers of(String... pairs) {
    if (pairs.length % 2 != 0) {
      throw new IllegalArgumentException("headers come in name, value pairs");
    }
    Map<String, List<String>> map = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      map.computeIfAbsent(pairs[i].toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .add(pairs[i + 1]);
    }
    return new Headers(map);
  }

  /** The first value of the header, if present. */
  public Optional<String> first(String name) {
    List<String> list = values.get(name.toLowerCase(Locale.ROOT));
    return list == null || list.isEmpty() ? Optional.empty() : Optional.of(list.getFirst());
  }

  public List<String> all(String name) {
    return values.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
  }

  /** Header names only: values may hold credentials and are never printed. */
  @Override
  public String toString() {
    return "Headers" + values.keySet();
  }
}

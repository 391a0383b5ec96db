package dev.gpuagent.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Rows of named figures: printed as an aligned table, saved as JSON with the machine's details. */
public final class BenchReport {
  private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final String name;
  private final List<Map<String, Object>> rows = new ArrayList<>();
  private final Map<String, Object> summary = new LinkedHashMap<>();

  public BenchReport(String name) {
    this.name = name;
  }

  /** Adds a row; {@code keyValues} alternate column name and value. */
  public void row(Object... keyValues) {
    Map<String, Object> row = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      row.put((String) keyValues[i], keyValues[i + 1]);
    }
    rows.add(row);
  }

  public void summary(String key, Object value) {
    summary.put(key, value);
  }

  public List<Map<String, Object>> rows() {
    return rows;
  }

  public void print(PrintStream out) {
    List<String> columns = new ArrayList<>();
    rows.forEach(r -> r.keySet().forEach(k -> {
      if (!columns.contains(k)) {
        columns.add(k);
      }
    }));
    int[] widths = new int[columns.size()];
    for (int c = 0; c < columns.size(); c++) {
      widths[c] = columns.get(c).length();
      for (Map<String, Object> row : rows) {
        widths[c] = Math.max(widths[c], format(row.get(columns.get(c))).length());
      }
    }
    StringBuilder line = new StringBuilder();
    for (int c = 0; c < columns.size(); c++) {
      line.append(String.format("%-" + widths[c] + "s  ", columns.get(c)));
    }
    out.println(line.toString().stripTrailing());
    for (Map<String, Object> row : rows) {
      line.setLength(0);
      for (int c = 0; c < columns.size(); c++) {
        Object v = row.get(columns.get(c));
        String text = format(v);
        line.append(v instanceof Number ? String.format("%" + widths[c] + "s  ", text)
            : String.format("%-" + widths[c] + "s  ", text));
      }
      out.println(line.toString().stripTrailing());
    }
    summary.forEach((k, v) -> out.println(k + ": " + format(v)));
  }

  public void writeJson(Path file) throws IOException {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("benchmark", name);
    ObjectNode machine = root.putObject("machine");
    machine.put("cpus", Runtime.getRuntime().availableProcessors());
    machine.put("java", Runtime.version().toString());
    machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    machine.put("max_heap_mb", Runtime.getRuntime().maxMemory() >> 20);
    root.set("summary", MAPPER.valueToTree(summary));
    ArrayNode array = root.putArray("rows");
    rows.forEach(r -> array.add(MAPPER.valueToTree(r)));
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    MAPPER.writeValue(file.toFile(), root);
  }

  static String format(Object value) {
    if (value == null) {
      return "-";
    }
    if (value instanceof Double d) {
      double a = Math.abs(d);
      return a >= 100 ? String.format("%.0f", d) : a >= 10 ? String.format("%.1f", d) : String.format("%.2f", d);
    }
    return value.toString();
  }
}

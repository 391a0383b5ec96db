package dev.gpuagent.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Resolves named settings through the layers flag > environment > YAML file > default. Each setting
 * is a {@link Setting}: its YAML key, environment variable and default. Values come back as strings;
 * the role's settings record parses and checks them, naming the YAML key in its errors.
 */
public final class LayeredSettings {
  /** One setting. {@code defaultValue} may be empty for "none". */
  public record Setting(String yaml, String env, String defaultValue) {}

  private final Map<String, String> values;

  private LayeredSettings(Map<String, String> values) {
    this.values = values;
  }

  /**
   * @param settings every known setting
   * @param flags values given on the command line, by YAML key (absent: not given)
   * @param env the environment
   * @param file the YAML file, or null for none
   */
  public static LayeredSettings resolve(List<Setting> settings, Map<String, String> flags, Map<String, String> env,
      Path file) {
    Map<String, String> fromFile = file == null ? Map.of() : readYaml(file, settings);
    Map<String, String> values = new LinkedHashMap<>();
    for (Setting setting : settings) {
      String chosen = flags.get(setting.yaml());
      if (chosen == null) {
        chosen = env.get(setting.env());
      }
      if (chosen == null || chosen.isBlank()) {
        chosen = fromFile.getOrDefault(setting.yaml(), setting.defaultValue());
      }
      values.put(setting.yaml(), chosen.strip());
    }
    return new LayeredSettings(values);
  }

  /** The config file to read: the flag > the environment variable {@code envName} > none. */
  public static Path configFile(Path flag, Map<String, String> env, String envName) {
    if (flag != null) {
      return flag;
    }
    String named = env.get(envName);
    return named == null || named.isBlank() ? null : Path.of(named.strip());
  }

  public String text(String yaml) {
    String value = values.get(yaml);
    if (value == null) {
      throw new IllegalArgumentException("unknown setting " + yaml);
    }
    return value;
  }

  public int integer(String yaml) {
    String text = text(yaml);
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(yaml + " must be an integer, got '" + text + "'");
    }
  }

  /** A comma-separated list; empty entries are dropped. */
  public List<String> list(String yaml) {
    return java.util.Arrays.stream(text(yaml).split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  /** {@code key=value} pairs separated by commas. */
  public Map<String, String> pairs(String yaml) {
    Map<String, String> pairs = new LinkedHashMap<>();
    for (String entry : list(yaml)) {
      int eq = entry.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(yaml + " must be key=value pairs separated by commas, got '" + entry + "'");
      }
      pairs.put(entry.substring(0, eq).strip(), entry.substring(eq + 1).strip());
    }
    return pairs;
  }

  /** The file's settings by YAML key; an unknown key or a non-scalar value is an error. */
  public static Map<String, String> readYaml(Path file, List<Setting> settings) {
    JsonNode root;
    try {
      root = new YAMLMapper().readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read config file " + file + ": " + e.getMessage(), e);
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      return Map.of();
    }
    if (!root.isObject()) {
      throw new IllegalArgumentException("config file " + file + " must be a YAML mapping");
    }
    TreeSet<String> known = new TreeSet<>();
    settings.forEach(s -> known.add(s.yaml()));
    Map<String, String> found = new HashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      if (!known.contains(entry.getKey())) {
        throw new IllegalArgumentException("config file " + file + ": unknown setting '" + entry.getKey()
            + "'; known: " + known);
      }
      JsonNode value = entry.getValue();
      if (value.isNull()) {
        continue;
      }
      if (value.isArray()) {
        List<String> items = new java.util.ArrayList<>();
        value.forEach(item -> items.add(item.asText()));
        found.put(entry.getKey(), String.join(",", items));
      } else if (value.isObject()) {
        List<String> items = new java.util.ArrayList<>();
        value.fields().forEachRemaining(e -> items.add(e.getKey() + "=" + e.getValue().asText()));
        found.put(entry.getKey(), String.join(",", items));
      } else {
        found.put(entry.getKey(), value.asText());
      }
    }
    return found;
  }
}

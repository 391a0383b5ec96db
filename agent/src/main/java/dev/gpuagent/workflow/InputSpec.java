package dev.gpuagent.workflow;

import java.util.List;
import java.util.Objects;

/**
 * One input of a node as ComfyUI's {@code INPUT_TYPES} declares it: a type name ({@code IMAGE},
 * {@code MASK}, {@code INT}, {@code FLOAT}, {@code STRING}, {@code BOOLEAN}) or, when {@code options}
 * is set, a combo whose value must be one of the options.
 *
 * @param defaultValue the value used when a workflow omits an optional widget; may be null
 * @param min inclusive lower bound for numbers, or null
 * @param max inclusive upper bound for numbers, or null
 * @param step the widget step for numbers (display only), or null
 * @param options the allowed values of a combo, or null for a typed input
 * @param tooltip short help text shown in the schema listing, or null
 */
public record InputSpec(
    String name,
    String type,
    Object defaultValue,
    Double min,
    Double max,
    Double step,
    List<String> options,
    String tooltip) {

  public static final String COMBO = "COMBO";

  public InputSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    options = options == null ? null : List.copyOf(options);
  }

  public boolean isCombo() {
    return options != null;
  }

  /** True for inputs that only a link can feed (tensors); widgets take literals. */
  public boolean isLinkOnly() {
    return type.equals(Types.IMAGE) || type.equals(Types.MASK);
  }

  public static InputSpec image(String name) {
    return new InputSpec(name, Types.IMAGE, null, null, null, null, null, null);
  }

  public static InputSpec mask(String name) {
    return new InputSpec(name, Types.MASK, null, null, null, null, null, null);
  }

  public static InputSpec integer(String name, long def, long min, long max) {
    return new InputSpec(name, Types.INT, def, (double) min, (double) max, 1.0, null, null);
  }

  public static InputSpec number(String name, double def, double min, double max, double step) {
    return new InputSpec(name, Types.FLOAT, def, min, max, step, null, null);
  }

  public static InputSpec string(String name, String def) {
    return new InputSpec(name, Types.STRING, def, null, null, null, null, null);
  }

  public static InputSpec bool(String name, boolean def) {
    return new InputSpec(name, Types.BOOLEAN, def, null, null, null, null, null);
  }

  public static InputSpec combo(String name, List<String> options, String def) {
    return new InputSpec(name, COMBO, def, null, null, null, options, null);
  }

  public InputSpec withTooltip(String text) {
    return new InputSpec(name, type, defaultValue, min, max, step, options, text);
  }
}

package dev.gpuagent.workflow;

/** The value type names that flow along links, spelled as ComfyUI spells them. */
public final class Types {
  public static final String IMAGE = "IMAGE";
  public static final String MASK = "MASK";
  public static final String INT = "INT";
  public static final String FLOAT = "FLOAT";
  public static final String STRING = "STRING";
  public static final String BOOLEAN = "BOOLEAN";

  private Types() {}
}

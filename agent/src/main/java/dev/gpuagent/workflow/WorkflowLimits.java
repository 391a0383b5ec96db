package dev.gpuagent.workflow;

/**
 * Bounds on what a workflow may ask for; each breach is a clear validation error, never an
 * out-of-memory crash.
 *
 * @param maxJsonBytes the largest workflow document accepted
 * @param maxJsonDepth the deepest nesting of arrays and objects accepted
 * @param maxNodes the most nodes in one graph
 * @param maxImageSide the longest image side in pixels any node may produce
 * @param maxImagePixels the most pixels (width x height) in one image
 * @param maxBatch the largest batch size
 */
public record WorkflowLimits(
    long maxJsonBytes, int maxJsonDepth, int maxNodes, int maxImageSide, long maxImagePixels,
    int maxBatch) {

  public static final WorkflowLimits DEFAULT =
      new WorkflowLimits(8L << 20, 64, 10_000, 16_384, 64L << 20, 64);

  public WorkflowLimits {
    if (maxJsonBytes <= 0 || maxJsonDepth <= 0 || maxNodes <= 0 || maxImageSide <= 0
        || maxImagePixels <= 0 || maxBatch <= 0) {
      throw new IllegalArgumentException("workflow limits must all be positive");
    }
  }

  /** Checks an image size against the limits; returns a message naming the breach, or null. */
  public String checkImage(int batch, int height, int width) {
    if (width <= 0 || height <= 0 || batch <= 0) {
      return "image size " + width + "x" + height + " (batch " + batch + ") must be positive";
    }
    if (width > maxImageSide || height > maxImageSide) {
      return "image size " + width + "x" + height + " exceeds the limit of " + maxImageSide
          + " pixels per side";
    }
    if ((long) width * height > maxImagePixels) {
      return "image size " + width + "x" + height + " is " + ((long) width * height)
          + " pixels, over the limit of " + maxImagePixels;
    }
    if (batch > maxBatch) {
      return "batch size " + batch + " exceeds the limit of " + maxBatch;
    }
    return null;
  }
}

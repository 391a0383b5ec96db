package dev.gpuagent.engine;

/**
 * The shape of an IMAGE ({@code [B,H,W,C]}, C = 3 or 4) or a MASK ({@code [B,H,W]}, stored with
 * {@code channels == 1}).
 */
public record Shape(int batch, int height, int width, int channels) {
  public Shape {
    if (batch <= 0 || height <= 0 || width <= 0 || channels <= 0) {
      throw new IllegalArgumentException("tensor dimensions must be positive: " + batch + "x"
          + height + "x" + width + "x" + channels);
    }
  }

  public static Shape image(int batch, int height, int width, int channels) {
    return new Shape(batch, height, width, channels);
  }

  public static Shape mask(int batch, int height, int width) {
    return new Shape(batch, height, width, 1);
  }

  public long pixelsPerImage() {
    return (long) height * width;
  }

  public long elements() {
    return (long) batch * height * width * channels;
  }

  @Override
  public String toString() {
    return "[" + batch + "," + height + "," + width + "," + channels + "]";
  }
}
